import AsyncHTTPClient
import Foundation
import NIOCore
import PatchbayCore
import PatchbayTestSupport
import Testing

/// No secret appears in the server's logs at any level: a full run at `LOG_LEVEL=trace` (tokens, webhook secrets
/// and their rotation, a webhook's authorization and headers, an inbound endpoint's secret and URL, deliveries and an
/// accepted inbound request), then every secret it created is looked for in what the server wrote.
@Suite struct SecretsInLogsTests {
    static let admin = "pb_logs_test_admin_0123456789abcdef"

    static func call(_ port: Int, _ method: String, _ path: String, token: String = admin, _ body: String? = nil) async throws -> JSONValue {
        try await ServeProcessTests.json(method, port: port, path: path, token: token, body: body)
    }

    @Test func aTraceLevelRunLogsNoSecret() async throws {
        let directory = TestDatabase.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let receiver = TestReceiver()
        try await receiver.run { receiverPort in
            let server = try ServerProcess(
                arguments: ["serve", "--port", "0", "--data-dir", directory, "--allow-private-targets"],
                environment: ["PATCHBAY_ADMIN_TOKEN": Self.admin, "LOG_LEVEL": "trace"])
            let (port, _) = try await server.waitUntilListening()
            var secrets = [Self.admin]
            _ = try await Self.call(port, "POST", "/v1/event-types", #"{"name":"thread.created"}"#)
            let org = try #require(try await Self.call(port, "POST", "/v1/organizations", #"{"name":"Logs"}"#)["id"]?.stringValue)
            let token = try #require(
                try await Self.call(port, "POST", "/v1/organizations/\(org)/tokens", #"{"name":"t","scopes":["*"]}"#)["token"]?.stringValue)
            secrets.append(token)

            let webhookBody = """
                {"name":"W","url":"http://127.0.0.1:\(receiverPort)/ok","eventTypes":["thread.created"],
                 "authorization":{"scheme":"Bearer","token":"receiver-bearer-0123456789"},"headers":{"X-Api-Key":"header-secret-0123456789"}}
                """
            let webhook = try await Self.call(port, "POST", "/v1/organizations/\(org)/webhooks", token: token, webhookBody)
            let webhookId = try #require(webhook["id"]?.stringValue)
            secrets += [try #require(webhook["secret"]?.stringValue), "receiver-bearer-0123456789", "header-secret-0123456789"]
            let rotated = try await Self.call(port, "POST", "/v1/organizations/\(org)/webhooks/\(webhookId)/rotate-secret", token: token)
            secrets += [try #require(rotated["secret"]?.stringValue)]

            let inbound = try await Self.call(
                port, "POST", "/v1/organizations/\(org)/inbound-webhooks", token: token,
                #"{"name":"In","eventType":"thread.created","verification":{"scheme":"github","secret":"inbound-secret-0123456789"}}"#)
            let inboundPath = try #require(inbound["url"]?.stringValue)
            secrets += ["inbound-secret-0123456789", String(inboundPath.split(separator: "/").last ?? "")]
            let body = Array(#"{"action":"opened"}"#.utf8)
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(inboundPath)")
            request.method = .POST
            for (name, value) in ProviderSigner.github(body, secret: "inbound-secret-0123456789") { request.headers.add(name: name, value: value) }
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
            let accepted = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect((200..<300).contains(Int(accepted.status.code)))
            _ = try await Self.call(port, "POST", "/v1/organizations/\(org)/events", token: token, #"{"type":"thread.created","data":{"n":1}}"#)
            // The handshake, the inbound request's event and the published one.
            let deadline = ContinuousClock.now + .seconds(30)
            while receiver.requests(to: "/ok").count < 3, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(receiver.requests(to: "/ok").count >= 3)
            #expect(try await server.stop(signal: SIGTERM) == 0)

            let logs = server.errors + server.output
            #expect(logs.contains("trace") || logs.count > 1000, "the run logged at trace level")
            for secret in secrets where !secret.isEmpty {
                #expect(!logs.contains(secret), "a secret is in the logs: \(secret.prefix(8))…")
            }
        }
    }
}
