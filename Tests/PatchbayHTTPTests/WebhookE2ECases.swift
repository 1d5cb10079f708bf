import Foundation
import PatchbayCore
import PatchbayTestSupport
import Testing

extension E2ECase {
    static let webhooks: [E2ECase] = [
        E2ECase("webhooks keep secrets sealed, shown only where asked for") { api, _ in
            let org = try await api.organization()
            let created = try await api.admin(
                .post, "/v1/organizations/\(org)/webhooks",
                [
                    "name": "Orders", "url": "https://hooks.example.com/orders", "eventTypes": ["user.created", "user.deleted"],
                    "authorization": ["scheme": "Bearer", "token": "receiver-token-0123456789"], "headers": ["X-Tenant": "acme"],
                    "maxEventsPerRequest": 10, "format": "form",
                ]
            )
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["id"]?.string)
            let secret = try #require(created.json["secret"]?.string)
            #expect(id.hasPrefix("wh_") && secret.hasPrefix("whsec_") && WebhookSecret(secret) != nil)
            // Tests resolve no names, so the handshake fails and the webhook starts out failing (created all the same).
            #expect(created.json["state"] == "failing" && created.json["active"] == true && created.json["verifyTls"] == true)
            #expect(created.json["handshake"]?["ok"] == false)
            #expect(created.json["handshake"]?["error"]?.string?.contains("could not resolve hooks.example.com") == true)
            #expect(created.json["authorization"]?["token"] == "Bearer ****6789")
            #expect(!created.text.contains("receiver-token-0123456789"))

            let fetched = try await api.admin(.get, "/v1/organizations/\(org)/webhooks/\(id)")
            #expect(fetched.json["secret"] == nil)
            #expect(fetched.json["format"] == "form" && fetched.json["maxEventsPerRequest"] == 10)
            #expect(fetched.json["headers"]?["X-Tenant"] == "acme")
            let listed = try await api.admin(.get, "/v1/organizations/\(org)/webhooks")
            #expect(!listed.text.contains(secret) && !listed.text.contains("receiver-token-0123456789"))

            let rows = try await api.store.driver.query("SELECT secret, authorization_token FROM webhooks WHERE id = \(id)")
            let row = try #require(rows.first)
            #expect(try !row.string("secret").contains(secret.dropFirst(6)), "the secret is sealed at rest")
            #expect(try row.string("authorization_token").contains("receiver-token") == false)
            #expect(try await api.admin(.get, "/v1/organizations/\(org)/webhooks/\(id)/secret").json["secret"] == .string(secret))
        },
        E2ECase("rotating a secret keeps the old one valid for 24 hours") { api, clock in
            let org = try await api.organization()
            let created = try await api.admin(.post, "/v1/organizations/\(org)/webhooks", ["name": "W", "url": "https://example.com/h"])
            let id = try #require(created.json["id"]?.string)
            let first = try #require(created.json["secret"]?.string)
            let rotated = try await api.admin(.post, "/v1/organizations/\(org)/webhooks/\(id)/rotate-secret")
            let second = try #require(rotated.json["secret"]?.string)
            #expect(second != first && rotated.json["previousSecret"] == .string(first))
            let view = try await api.admin(.get, "/v1/organizations/\(org)/webhooks/\(id)/secret")
            #expect(view.json["secret"] == .string(second) && view.json["previousSecret"] == .string(first))
            clock.advance(byMillis: 24 * 3_600_000 + 1)
            #expect(try await api.admin(.get, "/v1/organizations/\(org)/webhooks/\(id)/secret").json["previousSecret"] == .null)
            let custom = WebhookSecret.generate(byteCount: 48).encoded
            let chosen = try await api.admin(.post, "/v1/organizations/\(org)/webhooks/\(id)/rotate-secret", ["secret": .string(custom)])
            #expect(chosen.json["secret"] == .string(custom))
            #expect(try await api.admin(.post, "/v1/organizations/\(org)/webhooks/\(id)/rotate-secret", ["secret": "whsec_short"]).status == 422)
        },
        E2ECase("webhook options are validated with pointers") { api, _ in
            let org = try await api.organization()
            let path = "/v1/organizations/\(org)/webhooks"
            for (body, pointer) in [
                (["name": "W", "url": "http://example.com/h"], "/url"),
                (["name": "W", "url": "https://127.0.0.1/h"], "/url"),
                (["name": "W", "url": "https://[::ffff:169.254.169.254]/latest"], "/url"),
                (["name": "W", "url": "https://localhost:8443/"], "/url"),
                (["name": "W", "url": "not a url"], "/url"),
                (["name": "W", "url": "https://example.com", "eventTypes": ["user.created", "nope.nothing"]], "/eventTypes/1"),
                (["name": "W", "url": "https://example.com", "format": "xml"], "/format"),
                (["name": "W", "url": "https://example.com", "maxEventsPerRequest": 0], "/maxEventsPerRequest"),
                (["name": "W", "url": "https://example.com", "maxEventsPerRequest": 101], "/maxEventsPerRequest"),
                (["name": "W", "url": "https://example.com", "authorization": ["scheme": "Basic", "token": "x"]], "/authorization/scheme"),
                (["name": "W", "url": "https://example.com", "authorization": ["scheme": "Bearer", "token": "has space"]], "/authorization/token"),
                (["name": "W", "url": "https://example.com", "headers": ["Content-Type": "text/plain"]], "/headers/Content-Type"),
                (["name": "W", "url": "https://example.com", "headers": ["webhook-signature": "forged"]], "/headers/webhook-signature"),
                (["name": "W", "url": "https://example.com", "headers": ["X-Ok": "a\r\nInjected: 1"]], "/headers/X-Ok"),
                (["name": "W", "url": "https://example.com", "headers": ["Bad Name": "v"]], "/headers/Bad Name"),
                (["name": "W", "url": "https://example.com", "secret": "whsec_tooShort"], "/secret"),
                (["name": "W", "url": "https://example.com", "integrationId": "int_00000000000000000000000000"], "/integrationId"),
                (["url": "https://example.com"], "/name"),
            ] as [(JSONValue, String)] {
                let refused = try await api.admin(.post, path, body)
                #expect(refused.status == 422, "\(body)")
                #expect(refused.json["errors"]?[0]?["pointer"] == .string(pointer), "\(refused.text)")
            }
            #expect(try await api.admin(.get, "\(path)").json["data"]?.array.isEmpty == true, "nothing was created")
        },
        E2ECase("webhooks are updated, paused, listed, isolated and deleted") { api, _ in
            let org = try await api.organization()
            let other = try await api.organization()
            let path = "/v1/organizations/\(org)/webhooks"
            for name in ["Charlie", "alpha", "Bravo"] {
                let response = try await api.admin(
                    .post, path, ["name": .string(name), "url": .string("https://\(name.lowercased()).example.com/h")])
                try #require(response.status == 201)
            }
            let names = try await api.admin(.get, "\(path)?sort=name").json["data"]?.array.compactMap { $0["name"]?.string }
            #expect(names == ["Bravo", "Charlie", "alpha"])
            #expect(try await api.admin(.get, "\(path)?search=BRAVO.example").json["data"]?.array.count == 1)
            let id = try #require(try await api.admin(.get, "\(path)?search=alpha").json["data"]?[0]?["id"]?.string)
            let paused = try await api.admin(
                .patch, "\(path)/\(id)", ["active": false, "eventTypes": ["user.created"], "authorization": ["scheme": "Token", "token": "abc"]])
            #expect(paused.json["state"] == "paused" && paused.json["active"] == false)
            #expect(paused.json["eventTypes"] == ["user.created"])
            #expect(try await api.admin(.get, "\(path)?sort=state").json["data"]?.array.last?["id"] == .string(id))
            let resumed = try await api.admin(.patch, "\(path)/\(id)", ["active": true, "authorization": nil, "url": "https://new.example.com/x"])
            #expect(resumed.json["state"] == "active" && resumed.json["authorization"] == .null && resumed.json["url"] == "https://new.example.com/x")
            #expect(try await api.admin(.patch, "\(path)/\(id)", ["url": "http://new.example.com"]).status == 422)

            let stranger = try await api.token(in: other)
            #expect(try await api.send(.get, "\(path)/\(id)", token: stranger).status == 404)
            let reader = try await api.token(in: org, scopes: ["webhooks:read"])
            #expect(try await api.send(.get, "\(path)/\(id)", token: reader).status == 200)
            #expect(try await api.send(.get, "\(path)/\(id)/secret", token: reader).status == 403)
            #expect(try await api.send(.post, path, token: reader, ["name": "X", "url": "https://example.com"]).status == 403)

            #expect(try await api.admin(.delete, "\(path)/\(id)").status == 204)
            #expect(try await api.admin(.get, "\(path)/\(id)").status == 404)
        },
    ]

    /// With --allow-private-targets, http and loopback receivers are accepted (development and tests).
    static let privateTargets = E2ECase("private targets are allowed only when the server says so") { api, _ in
        let org = try await api.organization()
        let created = try await api.admin(.post, "/v1/organizations/\(org)/webhooks", ["name": "Local", "url": "http://127.0.0.1:9000/hook"])
        #expect(created.status == 201)
    }
}

@Suite struct PrivateTargetTests {
    @Test func loopbackReceiversNeedTheFlag() async throws {
        let clock = ManualTimeSource(nowMillis: SystemTimeSource().nowMillis)
        try await LiveServer.run(.sqlite, clock: clock, configure: { $0.allowPrivateTargets = true }) { api in
            try await E2ECase.privateTargets.body(api, clock)
        }
    }
}
