import Crypto
import Foundation
import PatchbayCore
import PatchbayTestSupport
import Testing

/// Inbound to outbound, and endpoint integrations, against a real receiver on loopback, on both stores.
@Suite struct InboundLoopTests {
    /// Checks a Standard Webhooks signature the way a receiver would, independently of Patchbay's code.
    static func verifies(_ request: TestReceiver.Received, secret: String) -> Bool {
        guard let key = Data(base64Encoded: String(secret.dropFirst("whsec_".count))), let id = request.headers["webhook-id"],
            let timestamp = request.headers["webhook-timestamp"], let header = request.headers["webhook-signature"]
        else { return false }
        let expected = Data(ProviderSigner.hmac(Array(key), Array("\(id).\(timestamp).".utf8) + request.body)).base64EncodedString()
        return header.split(separator: " ").contains { $0 == "v1,\(expected)" }
    }

    static func run(_ kind: StoreKind, _ body: @Sendable (APIClient, TestReceiver, Int) async throws -> Void) async throws {
        if kind == .postgres, TestDatabase.postgresURL == nil {
            try #require(!TestDatabase.isCI, "CI must run the PostgreSQL variant")
            return
        }
        let receiver = TestReceiver()
        try await receiver.run { port in
            try await LiveServer.run(kind, configure: { $0.allowPrivateTargets = true }) { api in try await body(api, receiver, port) }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anInboundRequestArrivesSignedOnAnOutboundWebhook(kind: StoreKind) async throws {
        try await Self.run(kind) { api, receiver, port in
            _ = try await api.admin(.post, "/v1/event-types", ["name": "issue.opened"])
            let org = try await api.organization()
            let integration = try await api.admin(.post, "/v1/organizations/\(org)/integrations", ["name": "GitHub bridge", "bot": true])
            let integrationId = try #require(integration.json["id"]?.string)
            let userId = try #require(integration.json["user"]?["id"]?.string)
            let outbound = try await api.admin(
                .post, "/v1/organizations/\(org)/webhooks",
                ["name": "Out", "url": .string("http://127.0.0.1:\(port)/ok"), "eventTypes": ["issue.opened"]])
            let secret = try #require(outbound.json["secret"]?.string)
            let (inboundId, path, _) = try await api.inbound(
                in: org,
                [
                    "name": "GitHub", "eventType": "issue.opened", "integrationId": .string(integrationId),
                    "verification": ["scheme": "github", "secret": "gh-webhook-secret"],
                ])
            let body = Array(#"{"action":"opened","issue":{"number":1347,"title":"Found a bug"}}"#.utf8)
            let accepted = try await api.post(path, bytes: body, headers: ProviderSigner.github(body, secret: "gh-webhook-secret"))
            #expect(accepted.status == 200, "\(accepted.text)")
            let eventId = try #require(accepted.json["eventId"]?.string)

            let arrived = try await DeliveryEngineTests.eventually {
                receiver.requests(to: "/ok").contains { String(decoding: $0.body, as: UTF8.self).contains(eventId) }
            }
            #expect(arrived)
            let delivered = try #require(receiver.requests(to: "/ok").first { String(decoding: $0.body, as: UTF8.self).contains(eventId) })
            #expect(Self.verifies(delivered, secret: secret), "a Standard Webhooks verifier accepts it")
            let envelope = try JSONDecoder().decode(JSONValue.self, from: Data(delivered.body))
            #expect(envelope["type"] == "issue.opened" && envelope["action"] == "opened" && envelope["organizationId"] == .string(org))
            #expect(envelope["data"]?["issue"]?["number"] == 1347)
            #expect(envelope["actor"]?["type"] == "integration" && envelope["actor"]?["id"] == .string(integrationId))
            #expect(envelope["actor"]?["userId"] == .string(userId), "the endpoint acts as its integration")
            let history = try await api.inboundRequests(org, inboundId)
            #expect(history.count == 1 && history.first?["eventId"] == .string(eventId) && history.first?["verdict"] == "verified")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func endpointIntegrationsAreSignedDeliveredToAndCalled(kind: StoreKind) async throws {
        try await Self.run(kind) { api, receiver, port in
            _ = try await api.admin(.post, "/v1/event-types", ["name": "thread.created"])
            let org = try await api.organization()
            let child = try await api.organization("Child", parent: org)
            let integrations = "/v1/organizations/\(org)/integrations"
            let created = try await api.admin(
                .post, integrations,
                [
                    "name": "Context", "description": "Turn-style",
                    "endpoint": ["url": .string("http://127.0.0.1:\(port)/ok"), "authorization": ["scheme": "BEARER", "token": "turn-token-123"]],
                ])
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["id"]?.string)
            let secret = try #require(created.json["secret"]?.string)
            #expect(WebhookSecret(secret) != nil)
            #expect(created.json["handshake"]?["ok"] == true && created.json["handshake"]?["challengeEchoed"] == true)
            #expect(created.json["endpoint"]?["url"] == .string("http://127.0.0.1:\(port)/ok"))
            #expect(created.json["endpoint"]?["authorization"] == ["scheme": "Bearer", "token": "****"])
            #expect(!created.text.contains("turn-token-123"))
            let handshake = try #require(receiver.requests(to: "/ok").first)
            #expect(handshake.headers["authorization"] == "Bearer turn-token-123" && Self.verifies(handshake, secret: secret))
            let fetched = try await api.admin(.get, "\(integrations)/\(id)")
            #expect(fetched.json["endpoint"] == created.json["endpoint"] && fetched.json["secret"] == nil)

            // Events of the organizations where it is installed go to the one URL, signed with its secret.
            _ = try await api.admin(.post, "\(integrations)/\(id)/finalize")
            let installed = try await api.admin(.post, "\(integrations)/\(id)/installations", ["organizationId": .string(child)])
            #expect(installed.status == 201, "\(installed.text)")
            let event = try await api.admin(.post, "/v1/organizations/\(child)/events", ["type": "thread.created", "data": ["title": "Hi"]])
            let eventId = try #require(event.json["id"]?.string)
            #expect(
                try await DeliveryEngineTests.eventually {
                    receiver.requests(to: "/ok").contains { String(decoding: $0.body, as: UTF8.self).contains(eventId) }
                })
            let delivered = try #require(receiver.requests(to: "/ok").first { String(decoding: $0.body, as: UTF8.self).contains(eventId) })
            #expect(Self.verifies(delivered, secret: secret) && delivered.headers["authorization"] == "Bearer turn-token-123")

            // A call returns the endpoint's JSON, and the endpoint can verify who called.
            let call = "\(integrations)/\(id)/call"
            let answered = try await api.admin(.post, call, ["payload": ["message": "what is the order status?", "contact": ["id": 7]]])
            #expect(answered.status == 200 && answered.json == ["received": true], "\(answered.text)")
            #expect(answered.header("Patchbay-Endpoint-Status") == "200" && answered.header("Patchbay-Message-Id")?.hasPrefix("msg_") == true)
            let sent = try #require(receiver.requests(to: "/ok").last)
            #expect(
                try JSONDecoder().decode(JSONValue.self, from: Data(sent.body)) == ["message": "what is the order status?", "contact": ["id": 7]])
            #expect(Self.verifies(sent, secret: secret) && sent.headers["webhook-id"] == answered.header("Patchbay-Message-Id"))
            #expect(sent.headers["authorization"] == "Bearer turn-token-123")

            // Failures are the endpoint's, reported as such.
            func point(_ route: String) async throws {
                let changed = try await api.admin(.patch, "\(integrations)/\(id)", ["endpoint": ["url": .string("http://127.0.0.1:\(port)\(route)")]])
                try #require(changed.status == 200, "\(changed.text)")
            }
            try await point("/fail")
            let refused = try await api.admin(.post, call, ["payload": [:]])
            #expect(refused.status == 502 && refused.json["detail"]?.string?.contains("503") == true, "\(refused.text)")
            try await point("/slow")
            let slow = try await api.admin(.post, call, ["payload": [:], "timeoutMs": 500])
            #expect(slow.status == 504, "\(slow.text)")
            let empty = try await api.admin(.post, call, ["payload": [:], "timeoutMs": 6000])
            #expect(empty.status == 204 && empty.header("Patchbay-Endpoint-Status") == "200", "a 2xx without a body")
            try await point("/big")
            #expect(try await api.admin(.post, call, ["payload": [:]]).json["detail"]?.string?.contains("not JSON") == true)
            try await point("/redirect")
            #expect(try await api.admin(.post, call, ["payload": [:]]).status == 502, "redirects are not followed")
            #expect(try await api.admin(.post, call, ["payload": [:], "timeoutMs": 5]).status == 422)
            #expect(try await api.admin(.post, call, ["message": "no payload"]).status == 422)

            // Only endpoint integrations can be called; tokens need actions:run in the right organization.
            let plain = try await api.admin(.post, integrations, ["name": "Plain"])
            let plainId = try #require(plain.json["id"]?.string)
            #expect(plain.json["endpoint"] == .null)
            #expect(try await api.admin(.post, "\(integrations)/\(plainId)/call", ["payload": [:]]).status == 409)
            let reader = try await api.token(in: org, scopes: ["integrations:read"])
            #expect(try await api.send(.post, call, token: reader, ["payload": [:]]).status == 403)
            let stranger = try await api.token(in: child)
            #expect(try await api.send(.post, call, token: stranger, ["payload": [:]]).status == 404)
        }
    }
}
