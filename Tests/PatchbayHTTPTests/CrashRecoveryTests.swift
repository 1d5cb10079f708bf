import Foundation
import PatchbayCore
import PatchbayTestSupport
import Testing

/// "Never lost": the real binary is killed with SIGKILL in the middle of delivering a few thousand events,
/// restarted on the same data, and every event still arrives (at least once).
@Suite struct CrashRecoveryTests {
    static let admin = "pb_crash_test_admin_0123456789abcdef"

    @Test func everyEventArrivesAfterAKillAndARestart() async throws {
        let directory = TestDatabase.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let receiver = TestReceiver()
        try await receiver.run { receiverPort in
            let arguments = ["serve", "--port", "0", "--data-dir", directory, "--allow-private-targets"]
            let first = try ServerProcess(arguments: arguments, environment: ["PATCHBAY_ADMIN_TOKEN": Self.admin])
            let (port, _) = try await first.waitUntilListening()
            func call(_ method: String, _ path: String, _ body: String? = nil) async throws -> JSONValue {
                try await ServeProcessTests.json(method, port: port, path: path, token: Self.admin, body: body)
            }
            _ = try await call("POST", "/v1/event-types", #"{"name":"thread.created"}"#)
            let org = try #require(try await call("POST", "/v1/organizations", #"{"name":"Crash"}"#)["id"]?.stringValue)
            let hook = #"{"name":"R","url":"http://127.0.0.1:\#(receiverPort)/ok","eventTypes":["thread.created"]}"#
            let created = try await call("POST", "/v1/organizations/\(org)/webhooks", hook)
            #expect(created["handshake"]?["ok"] == .bool(true))
            // Paused while publishing, so that the kill below lands mid-flight however fast deliveries go: the events
            // are held, then released together.
            let webhookPath = "/v1/organizations/\(org)/webhooks/\(created["id"]?.stringValue ?? "")"
            _ = try await call("PATCH", webhookPath, #"{"active":false}"#)

            var published = Set<String>()
            let batch = "{\"events\":[" + (0..<500).map { #"{"type":"thread.created","data":{"n":\#($0)}}"# }.joined(separator: ",") + "]}"
            for _ in 0..<4 {
                guard case .array(let events)? = try await call("POST", "/v1/organizations/\(org)/events/batch", batch)["data"] else {
                    Issue.record("publishing failed")
                    return
                }
                published.formUnion(events.compactMap { $0["id"]?.stringValue })
            }
            #expect(published.count == 2000)
            _ = try await call("PATCH", webhookPath, #"{"active":true}"#)

            func deliveredIds() -> Set<String> {
                Set(
                    receiver.requests(to: "/ok").compactMap { request in
                        (try? JSONDecoder().decode(JSONValue.self, from: Data(request.body)))?["id"]?.stringValue
                    }
                ).intersection(published)
            }
            // Kill mid-flight: some delivered, most not.
            let deadline = ContinuousClock.now + .seconds(30)
            while receiver.requests(to: "/ok").count < 100, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
            _ = try await first.stop(signal: SIGKILL)
            let beforeRestart = deliveredIds().count
            #expect(beforeRestart < 2000, "the kill landed before everything was delivered (\(beforeRestart))")

            let second = try ServerProcess(arguments: arguments, environment: ["PATCHBAY_ADMIN_TOKEN": Self.admin])
            _ = try await second.waitUntilListening()
            let recovered = ContinuousClock.now + .seconds(60)
            while deliveredIds().count < 2000, ContinuousClock.now < recovered { try await Task.sleep(for: .milliseconds(50)) }
            #expect(deliveredIds() == published, "missing after restart: \(published.subtracting(deliveredIds()).count)")
            #expect(try await second.stop(signal: SIGTERM) == 0)
        }
    }
}
