import Crypto
import Foundation
import PatchbayCore
import PatchbayTestSupport
import Testing

/// Handshakes against a real receiver on a loopback socket (the server runs with --allow-private-targets).
@Suite struct HandshakeTests {
    @Test(arguments: StoreKind.allCases)
    func handshakesAreSignedReportedAndKeptInTheHistory(kind: StoreKind) async throws {
        if kind == .postgres, TestDatabase.postgresURL == nil {
            try #require(!TestDatabase.isCI, "CI must run the PostgreSQL variant")
            return
        }
        let receiver = TestReceiver()
        try await receiver.run { port in
            try await LiveServer.run(kind, configure: { $0.allowPrivateTargets = true }) { api in
                let org = try await api.organization()
                let hooks = "/v1/organizations/\(org)/webhooks"
                let created = try await api.admin(
                    .post, hooks,
                    ["name": "Local", "url": .string("http://127.0.0.1:\(port)/ok"), "authorization": ["scheme": "Token", "token": "abc123"]]
                )
                #expect(created.status == 201)
                #expect(created.json["handshake"]?["ok"] == true)
                #expect(created.json["handshake"]?["statusCode"] == 200)
                #expect(created.json["handshake"]?["challengeEchoed"] == true)
                #expect(created.json["state"] == "active")
                #expect(created.json["lastStatus"] == 200 && created.json["lastTriggeredAt"]?.string != nil)
                let id = try #require(created.json["id"]?.string)
                let secret = try #require(created.json["secret"]?.string.flatMap(WebhookSecret.init))

                let received = try #require(receiver.requests(to: "/ok").first)
                let message =
                    Data("\(received.headers["webhook-id"] ?? "").\(received.headers["webhook-timestamp"] ?? "").".utf8) + Data(received.body)
                let expected = Data(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret.bytes))).base64EncodedString()
                #expect(received.headers["webhook-signature"] == "v1,\(expected)")
                #expect(received.headers["authorization"] == "Token abc123")
                let envelope = try JSONDecoder().decode(JSONValue.self, from: Data(received.body))
                #expect(envelope["type"] == "webhook.handshake" && envelope["data"]?["webhookId"] == .string(id))

                let history = try await api.admin(.get, "\(hooks)/\(id)/deliveries").json["data"]?.array ?? []
                #expect(history.count == 1 && history.first?["status"] == "succeeded")
                let deliveryId = try #require(history.first?["id"]?.string)
                #expect(received.headers["webhook-id"] == deliveryId)
                let detail = try await api.admin(.get, "\(hooks)/\(id)/deliveries/\(deliveryId)")
                let attempt = try #require(detail.json["attempts"]?[0])
                #expect(attempt["result"] == "success" && attempt["statusCode"] == 200)
                #expect(attempt["requestHeaders"]?["authorization"] == "Token ****")
                #expect(attempt["responseBody"]?.string?.contains("challenge") == true)
                #expect(attempt["url"] == .string("http://127.0.0.1:\(port)/ok"))
                #expect(try await api.admin(.get, "/v1/organizations/\(org)/events?type=webhook.handshake").json["data"]?.array.count == 1)

                _ = try await api.admin(.patch, "\(hooks)/\(id)", ["url": .string("http://127.0.0.1:\(port)/fail")])
                let failing = try await api.admin(.post, "\(hooks)/\(id)/test")
                #expect(failing.json["handshake"]?["ok"] == false && failing.json["handshake"]?["statusCode"] == 503)
                #expect(failing.json["state"] == "failing" && failing.json["secret"] == nil)
                _ = try await api.admin(.patch, "\(hooks)/\(id)", ["url": .string("http://127.0.0.1:\(port)/ok")])
                let recovered = try await api.admin(.post, "\(hooks)/\(id)/test")
                #expect(recovered.json["handshake"]?["ok"] == true && recovered.json["state"] == "active")
                #expect(try await api.admin(.get, "\(hooks)/\(id)/deliveries?status=failed").json["data"]?.array.count == 1)
            }
        }
    }
}
