import Foundation
import PatchbayCore
import PatchbayTestSupport
import Testing

/// A paused or disabled webhook holds a delivery for every matching event, across a restart of the server, and
/// releases them oldest first when it is active again (or on recover): no event is lost while it is not sending.
@Suite struct HeldBacklogTests {
    static let admin = "pb_held_test_admin_0123456789abcdef"

    @Test(arguments: StoreKind.allCases)
    func pausedThenRestartedThenResumedDeliversEveryEventOnceInOrder(kind: StoreKind) async throws {
        if try DeliveryEngineTests.skipPostgresLocally(kind) { return }
        let directory = TestDatabase.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var storage = ["--data-dir", directory]
        if kind == .postgres { storage += ["--database-url", try await TestDatabase.createPostgresDatabase().url] }
        let arguments = ["serve", "--port", "0", "--allow-private-targets"] + storage
        let receiver = TestReceiver()
        try await receiver.run { receiverPort in
            let first = try ServerProcess(arguments: arguments, environment: ["PATCHBAY_ADMIN_TOKEN": Self.admin])
            var (port, _) = try await first.waitUntilListening()
            func call(_ method: String, _ path: String, _ body: String? = nil) async throws -> JSONValue {
                try await ServeProcessTests.json(method, port: port, path: path, token: Self.admin, body: body)
            }
            _ = try await call("POST", "/v1/event-types", #"{"name":"thread.created"}"#)
            let org = try #require(try await call("POST", "/v1/organizations", #"{"name":"Held"}"#)["id"]?.stringValue)
            // Ten events a request: the released backlog goes out as one request whose order can be read.
            let hook = #"{"name":"R","url":"http://127.0.0.1:\#(receiverPort)/ok","eventTypes":["thread.created"],"maxEventsPerRequest":10}"#
            let webhook = try #require(try await call("POST", "/v1/organizations/\(org)/webhooks", hook)["id"]?.stringValue)
            let path = "/v1/organizations/\(org)/webhooks/\(webhook)"
            let paused = try await call("PATCH", path, #"{"active":false}"#)
            #expect(paused["state"] == "paused" && paused["heldCount"] == 0)

            let batch = "{\"events\":[" + (0..<7).map { #"{"type":"thread.created","data":{"n":\#($0)}}"# }.joined(separator: ",") + "]}"
            let published = try #require(try await call("POST", "/v1/organizations/\(org)/events/batch", batch)["data"]?.array)
            let publishedIds = published.compactMap { $0["id"]?.stringValue }
            #expect(publishedIds.count == 7)
            #expect(try await call("GET", path)["heldCount"] == 7)
            let held = try await call("GET", "\(path)/deliveries?status=held&limit=100")["data"]?.array ?? []
            #expect(held.count == 7 && held.allSatisfy { $0["attempts"] == 0 && $0["status"] == "held" })
            #expect(try await call("GET", "/v1/health")["queue"]?["held"] == 7)
            try await Task.sleep(for: .milliseconds(500))
            #expect(Self.eventRequests(receiver).isEmpty, "nothing is sent while paused")

            #expect(try await first.stop(signal: SIGTERM) == 0)
            let second = try ServerProcess(arguments: arguments, environment: ["PATCHBAY_ADMIN_TOKEN": Self.admin])
            (port, _) = try await second.waitUntilListening()
            #expect(try await call("GET", path)["heldCount"] == 7, "held deliveries survive a restart")
            try await Task.sleep(for: .milliseconds(500))
            #expect(Self.eventRequests(receiver).isEmpty, "nor after a restart")

            let resumed = try await call("PATCH", path, #"{"active":true}"#)
            #expect(resumed["state"] == "active" && resumed["heldCount"] == 0)
            #expect(try await DeliveryEngineTests.eventually { Self.arrivedIds(receiver).count >= 7 })
            let arrived = Self.arrivedIds(receiver)
            #expect(arrived == publishedIds, "every event once, oldest first")
            #expect(try await call("GET", path)["heldCount"] == 0)
            #expect(try await second.stop(signal: SIGTERM) == 0)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aDisabledWebhookHoldsWhatArrivesAndRecoverReleasesIt(kind: StoreKind) async throws {
        if try DeliveryEngineTests.skipPostgresLocally(kind) { return }
        try await DeliveryEngineTests.run(kind) { api, receiver, port, org in
            let before = Timestamp.format(SystemTimeSource().nowMillis - 60_000)
            // 410 Gone disables the webhook on the first attempt.
            let (webhook, _) = try await DeliveryEngineTests.createWebhook(api, org: org, url: "http://127.0.0.1:\(port)/gone")
            let path = "/v1/organizations/\(org)/webhooks/\(webhook)"
            try await DeliveryEngineTests.publish(api, org: org, count: 1)
            #expect(try await DeliveryEngineTests.eventually { try await api.admin(.get, path).json["state"] == "disabled" })
            try await DeliveryEngineTests.publish(api, org: org, count: 3)
            #expect(try await api.admin(.get, path).json["heldCount"] == 3)
            let held = try await DeliveryEngineTests.deliveries(api, org: org, webhook: webhook, status: "held")
            #expect(held.count == 3)
            // A held delivery of a disabled webhook is not resent on its own: it waits for the webhook.
            let heldId = held.first?["id"]?.string ?? ""
            #expect(try await api.admin(.post, "\(path)/deliveries/\(heldId)/resend").status == 409)

            // Pointed at a working URL and made active, it sends what it held; recover re-sends the one that failed.
            let resumed = try await api.admin(.patch, path, ["url": .string("http://127.0.0.1:\(port)/ok"), "active": true])
            #expect(resumed.status == 200 && resumed.json["heldCount"] == 0)
            #expect(try await DeliveryEngineTests.eventually { Self.arrivedNumbers(receiver).count == 3 })
            let recovered = try await api.admin(.post, "\(path)/recover", ["since": .string(before)])
            #expect(recovered.status == 202 && recovered.json["recovered"] == 1 && recovered.json["released"] == 0)
            #expect(try await DeliveryEngineTests.eventually { Self.arrivedNumbers(receiver).count == 4 })
            #expect(Self.arrivedNumbers(receiver).sorted() == [0, 0, 1, 2], "the first batch's event and the three held, once each")

            // Paused again: recover {since} releases held deliveries too, without making the webhook active.
            _ = try await api.admin(.patch, path, ["active": false])
            try await DeliveryEngineTests.publish(api, org: org, count: 2)
            #expect(try await api.admin(.get, path).json["heldCount"] == 2)
            #expect(try await api.admin(.post, "\(path)/recover", ["since": .string(before)]).status == 409, "a paused webhook sends nothing")
            _ = try await api.admin(.patch, path, ["active": true])
            #expect(try await DeliveryEngineTests.eventually { Self.arrivedNumbers(receiver).count == 6 })
        }
    }

    /// Requests to `/ok` that carry events (not the handshake).
    static func eventRequests(_ receiver: TestReceiver) -> [TestReceiver.Received] {
        receiver.requests(to: "/ok").filter { String(decoding: $0.body, as: UTF8.self).contains("thread.created") }
    }

    /// Event ids in the order they arrived, across single and batched requests.
    static func arrivedIds(_ receiver: TestReceiver) -> [String] {
        eventRequests(receiver).flatMap { request -> [String] in
            guard let body = try? JSONDecoder().decode(JSONValue.self, from: Data(request.body)) else { return [] }
            let envelopes = body["events"]?.array ?? [body]
            return envelopes.compactMap { $0["id"]?.stringValue }
        }
    }

    static func arrivedNumbers(_ receiver: TestReceiver) -> [Int64] {
        eventRequests(receiver).flatMap { request -> [Int64] in
            guard let body = try? JSONDecoder().decode(JSONValue.self, from: Data(request.body)) else { return [] }
            let envelopes = body["events"]?.array ?? [body]
            return envelopes.compactMap {
                if case .int(let n)? = $0["data"]?["n"] { return n }
                return nil
            }
        }
    }
}
