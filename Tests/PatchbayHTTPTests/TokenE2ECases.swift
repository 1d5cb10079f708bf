import Foundation
import PatchbayCore
import PatchbayStorage
import PatchbayTestSupport
import Testing

extension E2ECase {
    static let tokens: [E2ECase] = [
        E2ECase("tokens are shown once, stored hashed, renamed and revoked") { api, _ in
            let org = try await api.organization()
            let created = try await api.admin(.post, "/v1/organizations/\(org)/tokens", ["name": "CI", "scopes": ["organizations:read"]])
            #expect(created.status == 201)
            #expect(created.header("Cache-Control") == "no-store")
            let secret = try #require(created.json["token"]?.string)
            let id = try #require(created.json["id"]?.string)
            let prefix = try #require(created.json["prefix"]?.string)
            #expect(secret.hasPrefix(prefix) && prefix.count >= 8 && prefix.count < secret.count - 20)
            #expect(created.json["scopes"] == ["organizations:read"])
            #expect(created.json["expiresAt"] == .null)

            #expect(try await api.send(.get, "/v1/organizations/\(org)", token: secret).status == 200)
            let listed = try await api.admin(.get, "/v1/organizations/\(org)/tokens")
            #expect(listed.json["data"]?[0]?["prefix"]?.string == prefix)
            #expect(listed.json["data"]?[0]?["lastUsedAt"]?.string != nil)
            #expect(!listed.text.contains(secret))
            #expect(listed.json["data"]?[0]?["token"] == nil)

            let rows = try await api.store.driver.query("SELECT secret_hash FROM access_tokens WHERE id = \(id)")
            #expect(try rows.first?.string("secret_hash") == TokenSecret.hash(of: secret))

            let renamed = try await api.admin(.patch, "/v1/organizations/\(org)/tokens/\(id)", ["name": "Deploy bot"])
            #expect(renamed.json["name"] == "Deploy bot")
            #expect(try await api.admin(.delete, "/v1/organizations/\(org)/tokens/\(id)").status == 204)
            let afterRevoke = try await api.send(.get, "/v1/organizations/\(org)", token: secret)
            #expect(afterRevoke.status == 401)
            #expect(afterRevoke.json["detail"] == "The token has been revoked.")
            #expect(afterRevoke.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            #expect(try await api.admin(.get, "/v1/organizations/\(org)/tokens/\(id)").json["revokedAt"]?.string != nil)
        },
        E2ECase("tokens expire by expiresIn and expiresAt") { api, clock in
            let org = try await api.organization()
            let short = try await api.token(in: org, extra: ["expiresIn": 60])
            let until = Timestamp.format(clock.nowMillis + 120_000)
            let dated = try await api.token(in: org, extra: ["expiresAt": .string(until)])
            #expect(try await api.send(.get, "/v1/organizations/\(org)", token: short).status == 200)
            clock.advance(byMillis: 61_000)
            let expired = try await api.send(.get, "/v1/organizations/\(org)", token: short)
            #expect(expired.status == 401)
            #expect(expired.json["detail"] == "The token has expired.")
            #expect(try await api.send(.get, "/v1/organizations/\(org)", token: dated).status == 200)
            clock.advance(byMillis: 60_000)
            #expect(try await api.send(.get, "/v1/organizations/\(org)", token: dated).status == 401)

            let past = Timestamp.format(clock.nowMillis - 1000)
            for (body, pointer) in [
                (["name": "x", "expiresAt": .string(past)], "/expiresAt"), (["name": "x", "expiresIn": 5], "/expiresIn"),
                (["name": "x", "expiresIn": 600, "expiresAt": .string(until)], "/expiresIn"),
                (["name": "x", "expiresAt": "next week"], "/expiresAt"), (["name": "x", "scopes": ["root"]], "/scopes/0"),
                (["name": "x", "scopes": []], "/scopes"), (["name": "x", "expiresIn": "60"], "/expiresIn"),
            ] as [(JSONValue, String)] {
                let response = try await api.admin(.post, "/v1/organizations/\(org)/tokens", body)
                #expect(response.status == 422, "\(body)")
                #expect(response.json["errors"]?[0]?["pointer"]?.string == pointer, "\(response.text)")
            }
        },
        E2ECase("scopes are enforced and cannot be escalated") { api, _ in
            let org = try await api.organization()
            let reader = try await api.token(in: org, scopes: ["organizations:read"])
            #expect(try await api.send(.get, "/v1/organizations/\(org)/users", token: reader).status == 200)
            let forbidden = try await api.send(.post, "/v1/organizations/\(org)/users", token: reader, ["name": "A", "email": "a@example.com"])
            #expect(forbidden.status == 403)
            #expect(forbidden.header("Content-Type") == "application/problem+json")
            #expect(try await api.send(.get, "/v1/organizations/\(org)/integrations", token: reader).status == 403)
            #expect(try await api.send(.get, "/v1/organizations/\(org)/events", token: reader).status == 403)
            #expect(try await api.send(.post, "/v1/organizations/\(org)/tokens", token: reader, ["name": "x"]).status == 403)

            let minter = try await api.token(in: org, scopes: ["tokens:write", "organizations:read"])
            #expect(try await api.send(.post, "/v1/organizations/\(org)/tokens", token: minter, ["name": "x"]).status == 403)
            let escalate = try await api.send(
                .post, "/v1/organizations/\(org)/tokens", token: minter, ["name": "x", "scopes": ["organizations:write"]])
            #expect(escalate.status == 403)
            let narrower = try await api.send(
                .post, "/v1/organizations/\(org)/tokens", token: minter, ["name": "x", "scopes": ["organizations:read"]])
            #expect(narrower.status == 201)

            let writer = try await api.token(in: org, scopes: ["organizations:write"])
            #expect(try await api.send(.get, "/v1/organizations/\(org)", token: writer).status == 200, "write implies read")
            #expect(try await api.send(.post, "/v1/organizations", token: writer, ["name": "Top"]).status == 403, "only admins make roots")
        },
        E2ECase("a token reaches its organization and descendants, never a parent or sibling") { api, _ in
            let root = try await api.organization("Root")
            let child = try await api.organization("Child", parent: root)
            let grandchild = try await api.organization("Grandchild", parent: child)
            let sibling = try await api.organization("Sibling", parent: root)
            let stranger = try await api.organization("Stranger")
            let orgs = [root, child, grandchild, sibling, stranger]
            let ancestors: [String: [String]] = [
                root: [root], child: [root, child], grandchild: [root, child, grandchild], sibling: [root, sibling], stranger: [stranger],
            ]
            var tokens: [String: String] = [:]
            for org in orgs { tokens[org] = try await api.token(in: org) }

            for holder in orgs {
                let token = try #require(tokens[holder])
                for target in orgs {
                    let reachable = ancestors[target]?.contains(holder) == true
                    let probes: [(HTTPRequestMethod, String, JSONValue?)] = [
                        (.get, "/v1/organizations/\(target)", nil),
                        (.patch, "/v1/organizations/\(target)", ["name": "Renamed"]),
                        (.get, "/v1/organizations/\(target)/users", nil),
                        (.post, "/v1/organizations/\(target)/users", ["name": "U", "email": .string("u\(UUID().uuidString.prefix(8))@example.com")]),
                        (.get, "/v1/organizations/\(target)/integrations", nil),
                        (.get, "/v1/organizations/\(target)/tokens", nil),
                        (.get, "/v1/organizations/\(target)/events", nil),
                    ]
                    for (method, path, body) in probes {
                        let status = try await api.send(method, path, token: token, body).status
                        if reachable {
                            #expect((200..<300).contains(status), "\(holder) → \(method) \(path): \(status)")
                        } else {
                            #expect(status == 404, "\(holder) → \(method) \(path) must not leak: \(status)")
                        }
                    }
                }
                let listed = try await api.send(.get, "/v1/organizations?limit=100", token: token).json["data"]?.array.compactMap { $0["id"]?.string }
                let expected = orgs.filter { ancestors[$0]?.contains(holder) == true }
                #expect(Set(listed ?? []) == Set(expected), "list for \(holder)")
            }
            let childToken = try #require(tokens[child])
            let adopt = try await api.send(.post, "/v1/organizations", token: childToken, ["name": "X", "parentId": .string(sibling)])
            #expect(adopt.status == 422)
            let nested = try await api.send(.post, "/v1/organizations", token: childToken, ["name": "X", "parentId": .string(grandchild)])
            #expect(nested.status == 201)
            #expect(try await api.send(.delete, "/v1/organizations/\(sibling)", token: childToken).status == 404)
        },
        E2ECase("deleting an organization with children is a conflict; a leaf goes with its tokens") { api, _ in
            let root = try await api.organization()
            let leaf = try await api.organization(parent: root)
            let leafToken = try await api.token(in: leaf)
            let conflict = try await api.admin(.delete, "/v1/organizations/\(root)")
            #expect(conflict.status == 409)
            #expect(try await api.admin(.delete, "/v1/organizations/\(leaf)").status == 204)
            #expect(try await api.send(.get, "/v1/organizations/\(leaf)", token: leafToken).status == 401)
            #expect(try await api.admin(.get, "/v1/organizations/\(leaf)").status == 404)
            let events = try await api.admin(.get, "/v1/organizations/\(root)/events?includeDescendants=true&type=organization.deleted")
            #expect(events.json["data"]?.array.map { $0["organizationId"] } == [.string(leaf)])
        },
    ]
}
