import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import PatchbayApp
import PatchbayCore

/// `PatchbayBench console [--deliveries N] [--requests N]`: how long each console page takes to render with N
/// deliveries (10,000 by default) in the web hook's history. Patchbay delivers N events to a local receiver (every
/// delivery with its attempt), a browser-like client signs in through the form, then each page is fetched
/// `--requests` times, one at a time, over a kept-alive loopback connection: the time is the server's work plus a
/// loopback round trip (an upper bound on the server-side time). The target is 50 ms per page.
struct ConsoleScenario {
    let deliveries: Int
    let requests: Int
    /// The document uploaded through the builder (GitHub's, 3.5 MB, about 1,000 operations).
    var uploadPath: String

    func run() async throws {
        var logger = Logger(label: "patchbay.bench")
        logger.logLevel = .critical
        let bench = try await BenchStore.open(logger: logger, allowPrivateTargets: true)
        defer { bench.remove() }
        let receiver = BenchReceiver()
        let (patchbayPorts, patchbayReady) = AsyncStream<Int>.makeStream()
        let (receiverPorts, receiverReady) = AsyncStream<Int>.makeStream()
        let patchbay = PatchbayServer.buildApplication(
            configuration: bench.configuration, store: bench.store, logger: logger, onServerRunning: { patchbayReady.yield($0) })
        let receiving = receiver.application(logger: logger, ready: receiverReady)
        // Sign-in answers 303 with the session cookie: the client must not follow it.
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.redirectConfiguration = .disallow
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await patchbay.runService() }
            group.addTask { try await receiving.runService() }
            var patchbayIterator = patchbayPorts.makeAsyncIterator()
            var receiverIterator = receiverPorts.makeAsyncIterator()
            guard let port = await patchbayIterator.next(), let receiverPort = await receiverIterator.next() else { return }
            try await measure(
                client: client, base: "http://127.0.0.1:\(port)", receiverPort: receiverPort, receiver: receiver, admin: bench.adminToken)
            group.cancelAll()
        }
        try await client.shutdown()
    }

    private func measure(client: HTTPClient, base: String, receiverPort: Int, receiver: BenchReceiver, admin: String) async throws {
        func post(_ path: String, _ body: String) async throws -> JSONValue {
            try await APIScenario.post(client, base + path, token: admin, body: body)
        }
        _ = try await post("/v1/event-types", #"{"name":"order.created","example":{"orderId":"o-1","total":10}}"#)
        _ = try await post("/v1/event-types", #"{"name":"order.refunded","example":{"orderId":"o-1"}}"#)
        let org = try await post("/v1/organizations", #"{"name":"Bench"}"#)["id"]?.stringValue ?? ""
        for index in 0..<5 { _ = try await post("/v1/organizations", #"{"name":"Customer \#(index)","parentId":"\#(org)"}"#) }
        let hook =
            try await post("/v1/organizations/\(org)/webhooks", #"{"name":"Orders","url":"http://127.0.0.1:\#(receiverPort)/hook"}"#)["id"]?
            .stringValue ?? ""
        for index in 0..<20 {
            _ = try await post(
                "/v1/organizations/\(org)/webhooks",
                #"{"name":"Other \#(index)","url":"http://127.0.0.1:\#(receiverPort)/hook","eventTypes":["order.refunded"]}"#)
        }
        for index in 0..<20 { _ = try await post("/v1/organizations/\(org)/tokens", #"{"name":"Token \#(index)"}"#) }
        // The history: N events to "Orders", the page measured; the 20 others (subscribed to refunds) appear in the lists.
        print("publishing \(deliveries) events …")
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    for index in stride(from: worker, to: deliveries, by: 16) {
                        _ = try await APIScenario.post(
                            client, base + "/v1/organizations/\(org)/events", token: admin,
                            body: #"{"type":"order.created","data":{"orderId":"o-\#(index)","total":\#(index)}}"#)
                    }
                }
            }
            try await group.waitForAll()
        }
        // N deliveries and the 21 handshakes.
        while receiver.requests < deliveries + 21 {
            try await Task.sleep(for: .milliseconds(200))
            if ContinuousClock.now - started > .seconds(600) { throw BenchFailure("deliveries did not finish in 10 minutes") }
        }
        print("delivered \(receiver.requests) requests in \(ContinuousClock.now - started)")

        let (cookie, delivery) = try await signIn(client: client, base: base, admin: admin, org: org, hook: hook)
        // The charts' counts are cached for 5 s; waiting that long makes each page's first request count them afresh.
        try await Task.sleep(for: .seconds(6))
        let pages: [(String, String)] = [
            ("overview", "/console/orgs/\(org)"),
            ("access tokens", "/console/orgs/\(org)/tokens"),
            ("web hooks", "/console/orgs/\(org)/webhooks"),
            ("web hook (history page 1)", "/console/orgs/\(org)/webhooks/\(hook)"),
            ("web hook, payload search", "/console/orgs/\(org)/webhooks/\(hook)?q=o-9999"),
            ("web hook, status + type filter", "/console/orgs/\(org)/webhooks/\(hook)?status=succeeded&type=order.created"),
            ("web hook, no match (full scan)", "/console/orgs/\(org)/webhooks/\(hook)?q=no-such-text"),
            ("delivery", "/console/orgs/\(org)/webhooks/\(hook)/deliveries/\(delivery)"),
            ("live tail rows", "/console/orgs/\(org)/webhooks/\(hook)/rows"),
            ("integrations", "/console/orgs/\(org)/integrations"),
            ("inbound", "/console/orgs/\(org)/inbound"),
            ("event types", "/console/event-types?org=\(org)"),
        ]
        print(
            "\npage                              first ms   p50 ms   p95 ms   max ms   bytes   (\(requests) requests each after 5 warm-ups, \(deliveries) deliveries)"
        )
        for (name, path) in pages {
            var times: [Double] = []
            var first = 0.0
            var size = 0
            for round in 0..<(requests + 5) {
                let start = ContinuousClock.now
                size = try await get(client, base + path, cookie: cookie)
                let elapsed = ContinuousClock.now - start
                let millis = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
                if round == 0 { first = millis }
                if round >= 5 { times.append(millis) }
            }
            times.sort()
            let p50 = times[times.count / 2]
            let p95 = times[min(times.count - 1, Int(Double(times.count) * 0.95))]
            let verdict = p95 < 50 ? "" : "  over 50 ms"
            print(
                name.padding(toLength: 34, withPad: " ", startingAt: 0)
                    + String(format: "%7.2f  %7.2f  %7.2f  %7.2f  %6d", first, p50, p95, times.last ?? 0, size)
                    + verdict)
        }
        try await measureBuilder(client: client, base: base, org: org, cookie: cookie)
    }

    /// "Add OpenAPI Integration" with a large document (target: the lint result in under a second), then the actions
    /// editor over its actions (server-side paging and search).
    private func measureBuilder(client: HTTPClient, base: String, org: String, cookie: String) async throws {
        guard let document = FileManager.default.contents(atPath: uploadPath) else {
            print("\n(no \(uploadPath): the upload is not measured; set PATCHBAY_SPECS_DIR)")
            return
        }
        var form = HTTPClientRequest(url: base + "/console/orgs/\(org)/integrations/import")
        form.headers.add(name: "Cookie", value: cookie)
        let page = String(buffer: try await client.execute(form, timeout: .seconds(10)).body.collect(upTo: 1 << 20))
        let csrf = page.range(of: #"name="csrf" value="[^"]+""#, options: .regularExpression).map { String(page[$0]).split(separator: "\"")[3] } ?? ""
        let boundary = "----PatchbayBench\(UInt32.random(in: 0...UInt32.max))"
        var body = ByteBuffer(string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(csrf)\r\n")
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"document\"; filename=\"github.json\"\r\n")
        body.writeString("Content-Type: application/json\r\n\r\n")
        body.writeBytes(document)
        body.writeString("\r\n--\(boundary)--\r\n")
        print("\nupload (\(document.count / 1024) KiB)                 ms      status   bytes")
        var times: [Double] = []
        var integrationId: String?
        for round in 1...3 {
            var request = HTTPClientRequest(url: base + "/console/orgs/\(org)/integrations/import")
            request.method = .POST
            request.headers.add(name: "Cookie", value: cookie)
            request.headers.add(name: "Origin", value: base)
            request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
            request.body = .bytes(body)
            let start = ContinuousClock.now
            let response = try await client.execute(request, timeout: .seconds(60))
            let answer = try await response.body.collect(upTo: 64 << 20)
            let millis = Self.millis(ContinuousClock.now - start)
            times.append(millis)
            let html = String(buffer: answer)
            if integrationId == nil, let range = html.range(of: #"integrations/int_[0-9A-Z]+"#, options: .regularExpression) {
                integrationId = String(html[range].dropFirst("integrations/".count))
            }
            if integrationId == nil, let location = response.headers["Location"].first,
                let range = location.range(of: #"int_[0-9A-Z]+"#, options: .regularExpression)
            {
                integrationId = String(location[range])
            }
            print(
                "  upload \(round), lint result shown".padding(toLength: 34, withPad: " ", startingAt: 0)
                    + String(format: "%7.1f", millis) + "   \(response.status.code)   \(answer.readableBytes)" + (millis < 1000 ? "" : "  over 1 s"))
        }
        guard let integrationId else { throw BenchFailure("the upload made no integration") }
        let actions = "/console/orgs/\(org)/integrations/\(integrationId)/actions"
        var next = try await client.execute(
            {
                var r = HTTPClientRequest(url: base + actions); r.headers.add(name: "Cookie", value: cookie); return r
            }(), timeout: .seconds(10))
        let first = String(buffer: try await next.body.collect(upTo: 16 << 20))
        let cursor = first.range(of: #"cursor=[^"&]+"#, options: .regularExpression).map { String(first[$0]) } ?? ""
        let editorPages: [(String, String)] = [
            ("actions editor, first page", actions),
            ("actions editor, next page", actions + "?" + cursor.replacingOccurrences(of: "&amp;", with: "&")),
            ("actions editor, search", actions + "?q=pull"), ("actions editor, one selected", actions + "?q=issues&selected="),
        ]
        print("\nactions editor (≈1,000 actions)     p50 ms   p95 ms   bytes")
        for (name, path) in editorPages {
            var samples: [Double] = []
            var size = 0
            for _ in 0..<(requests + 5) {
                let start = ContinuousClock.now
                size = try await get(client, base + path, cookie: cookie)
                samples.append(Self.millis(ContinuousClock.now - start))
            }
            samples = Array(samples.dropFirst(5)).sorted()
            print(
                name.padding(toLength: 34, withPad: " ", startingAt: 0)
                    + String(
                        format: "%7.2f  %7.2f  %6d", samples[samples.count / 2], samples[min(samples.count - 1, Int(Double(samples.count) * 0.95))],
                        size))
        }
    }

    static func millis(_ duration: Duration) -> Double {
        Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000
    }

    /// Signs in through the console's form; returns the session cookie and one delivery of the hook.
    private func signIn(client: HTTPClient, base: String, admin: String, org: String, hook: String) async throws -> (String, String) {
        let login = try await client.execute(HTTPClientRequest(url: base + "/console/login"), timeout: .seconds(10))
        let page = String(buffer: try await login.body.collect(upTo: 1 << 20))
        let signInCookie = login.headers["Set-Cookie"].first?.split(separator: ";").first.map(String.init) ?? ""
        let csrf = page.range(of: #"name="csrf" value="[^"]+""#, options: .regularExpression).map { String(page[$0]).split(separator: "\"")[3] } ?? ""
        var request = HTTPClientRequest(url: base + "/console/login")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Origin", value: base)
        request.headers.add(name: "Cookie", value: signInCookie)
        request.body = .bytes(ByteBuffer(string: "token=\(admin)&csrf=\(csrf)"))
        let response = try await client.execute(request, timeout: .seconds(10))
        let answer = String(buffer: try await response.body.collect(upTo: 1 << 20))
        guard let session = response.headers["Set-Cookie"].first(where: { $0.hasPrefix("pb_session=") })?.split(separator: ";").first else {
            let problem = answer.range(of: #"class="error"[^<]*"#, options: .regularExpression).map { String(answer[$0]) } ?? ""
            throw BenchFailure("console sign-in answered \(response.status) \(problem) (csrf \(csrf), cookie \(signInCookie))")
        }
        var list = HTTPClientRequest(url: base + "/v1/organizations/\(org)/webhooks/\(hook)/deliveries?limit=1&sort=-createdAt")
        list.headers.add(name: "Authorization", value: "Bearer \(admin)")
        let listed = try await client.execute(list, timeout: .seconds(10))
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: try await listed.body.collect(upTo: 1 << 20)))
        guard case .array(let items)? = json["data"], let id = items.first?["id"]?.stringValue else { throw BenchFailure("no delivery listed") }
        return (String(session), id)
    }

    private func get(_ client: HTTPClient, _ url: String, cookie: String) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Cookie", value: cookie)
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        guard response.status == .ok else { throw BenchFailure("GET \(url) answered \(response.status)") }
        return body.readableBytes
    }
}
