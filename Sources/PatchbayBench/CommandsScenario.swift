import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import PatchbayApp
import PatchbayCore

/// `PatchbayBench commands [--iterations N]`: what invoking a slash command through Patchbay costs over calling the
/// integration's endpoint directly. A local endpoint answers every POST with a small reply; the same kind of request
/// is made, one at a time, (1) directly with AsyncHTTPClient and (2) as `POST …/commands/invoke` (token auth, the
/// command and user look-ups, signing, the guarded client, the reply's checks and the history row).
struct CommandsScenario {
    let iterations: Int

    func run() async throws {
        var logger = Logger(label: "patchbay.bench")
        logger.logLevel = .critical
        let bench = try await BenchStore.open(logger: logger, allowPrivateTargets: true, runsDeliveries: false)
        defer { bench.remove() }
        let (store, configuration) = (bench.store, bench.configuration)
        let (patchbayPorts, patchbayReady) = AsyncStream<Int>.makeStream()
        let patchbay = PatchbayServer.buildApplication(
            configuration: configuration, store: store, logger: logger, onServerRunning: { patchbayReady.yield($0) })
        let router = Router()
        router.post("/") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"text":"Deployed to prod","responseType":"in_channel"}"#)))
        }
        let (endpointPorts, endpointReady) = AsyncStream<Int>.makeStream()
        let endpoint = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { endpointReady.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await patchbay.runService() }
            group.addTask { try await endpoint.runService() }
            var patchbayIterator = patchbayPorts.makeAsyncIterator()
            var endpointIterator = endpointPorts.makeAsyncIterator()
            guard let patchbayPort = await patchbayIterator.next(), let endpointPort = await endpointIterator.next() else { return }
            try await measure(client: client, patchbayPort: patchbayPort, endpointPort: endpointPort, admin: configuration.adminToken ?? "")
            group.cancelAll()
        }
        try await client.shutdown()
    }

    private func measure(client: HTTPClient, patchbayPort: Int, endpointPort: Int, admin: String) async throws {
        let base = "http://127.0.0.1:\(patchbayPort)"
        func post(_ path: String, _ body: String, method: HTTPMethod = .POST) async throws -> JSONValue {
            try await APIScenario.post(client, base + path, token: admin, body: body, method: method)
        }
        let org = try await post("/v1/organizations", #"{"name":"Bench"}"#)["id"]?.stringValue ?? ""
        let user = try await post("/v1/organizations/\(org)/users", #"{"name":"Ann","email":"ann@example.com"}"#)["id"]?.stringValue ?? ""
        let integration =
            try await post(
                "/v1/organizations/\(org)/integrations",
                #"{"name":"Deployer","endpoint":{"url":"http://127.0.0.1:\#(endpointPort)/"},"features":["slashCommands"]}"#)["id"]?
            .stringValue ?? ""
        _ = try await post("/v1/organizations/\(org)/integrations/\(integration)/finalize", "{}")
        _ = try await post("/v1/organizations/\(org)/integrations/\(integration)/installations", "{}")
        _ = try await post("/v1/organizations/\(org)/integrations/\(integration)/commands", #"{"name":"deploy","description":"Ship"}"#)
        let invocation = #"{"command":"/deploy","text":"prod","userId":"\#(user)","context":{"channel":"ops"}}"#
        let directBody =
            #"{"id":"cin_01","command":"/deploy","text":"prod","organizationId":"\#(org)","user":{"id":"\#(user)","name":"Ann"},"context":{"channel":"ops"},"responseUrl":"http://127.0.0.1/r/x","issuedAt":"2026-12-01T00:00:00.000Z"}"#

        let direct: @Sendable () async throws -> Void = {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(endpointPort)/")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: directBody))
            let response = try await client.execute(request, timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else { throw BenchFailure("direct call answered \(response.status)") }
        }
        let invoke: @Sendable () async throws -> Void = {
            var request = HTTPClientRequest(url: base + "/v1/organizations/\(org)/commands/invoke")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(admin)")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: invocation))
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else { throw BenchFailure("invoke answered \(response.status): \(String(buffer: body))") }
        }
        // The floor of any authenticated API call on this machine: token look-up, one read, JSON out.
        let read: @Sendable () async throws -> Void = {
            var request = HTTPClientRequest(url: base + "/v1/organizations/\(org)")
            request.headers.add(name: "Authorization", value: "Bearer \(admin)")
            let response = try await client.execute(request, timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else { throw BenchFailure("GET answered \(response.status)") }
        }
        let warmup = min(1000, max(100, iterations / 5))
        let paths = [direct, invoke, read]
        for work in paths { _ = try await ActionsScenario.time(warmup, work) }
        var samples: [[Double]] = [[], [], []]
        for _ in 0..<5 {
            for (index, work) in paths.enumerated() { samples[index] += try await ActionsScenario.time(iterations / 5, work) }
        }
        let sorted = samples.map { $0.sorted() }
        func percentile(_ values: [Double], _ fraction: Double) -> Double { values[min(values.count - 1, Int(Double(values.count) * fraction))] }
        let mode = ProcessInfo.processInfo.environment["PATCHBAY_BENCH_SQLITE_SYNCHRONOUS"] ?? "full"
        print("PatchbayBench commands — \(iterations) sequential calls each (after \(warmup) warm-up), SQLite synchronous=\(mode)")
        print("path                                             p50 ms   p90 ms   p99 ms")
        let names = ["endpoint called directly", "POST …/commands/invoke (answered)", "GET /v1/organizations/{org} (API floor)"]
        for (name, values) in zip(names, sorted) {
            print(
                name.padding(toLength: 48, withPad: " ", startingAt: 0)
                    + String(format: " %7.3f  %7.3f  %7.3f", percentile(values, 0.5), percentile(values, 0.9), percentile(values, 0.99)))
        }
        print(
            String(
                format: "invocation overhead over the direct call: p50 %.3f ms, p99 %.3f ms (target: p50 < 1 ms)",
                percentile(sorted[1], 0.5) - percentile(sorted[0], 0.5), percentile(sorted[1], 0.99) - percentile(sorted[0], 0.99)))
    }
}
