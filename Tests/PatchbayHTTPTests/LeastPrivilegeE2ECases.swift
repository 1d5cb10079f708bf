import Foundation
import PatchbayCore
import PatchbayTestSupport
import Testing

/// What one integration owns in the matrix: the integration itself, an action, an installation, a webhook and an
/// inbound endpoint. The organization's own webhook and endpoint (no integration) sit beside them.
private struct Owned {
    var integration: String
    var action: String
    var installation: String
    var webhook: String
    var inbound: String
}

extension APIClient {
    /// An integration with one action, finalized and installed in `org`, with a webhook and an inbound endpoint.
    fileprivate func owned(in org: String, name: String) async throws -> Owned {
        _ = try await admin(.post, "/v1/event-types", ["name": "thread.created"])  // 409 after the first
        let fixture = try await connector(
            in: org, api: ["baseUrl": "https://api.example.com", "auth": ["type": "none"], "pagination": ["type": "none"]],
            actions: [getAction("Ping", "/ping")])
        let webhook = try await admin(
            .post, "/v1/organizations/\(org)/webhooks",
            ["name": .string("\(name) hook"), "url": "https://hooks.example.com/in", "integrationId": .string(fixture.integration)])
        try #require(webhook.status == 201, "\(webhook.text)")
        let inbound = try await admin(
            .post, "/v1/organizations/\(org)/inbound-webhooks",
            ["name": .string("\(name) in"), "eventType": "thread.created", "integrationId": .string(fixture.integration)])
        try #require(inbound.status == 201, "\(inbound.text)")
        return Owned(
            integration: fixture.integration, action: try #require(fixture.actions["Ping"]), installation: fixture.installation,
            webhook: try #require(webhook.json["id"]?.string), inbound: try #require(inbound.json["id"]?.string))
    }
}

extension E2ECase {
    static let leastPrivilege: [E2ECase] = [
        E2ECase("integration tokens get the default scopes and never tokens:write, organizations:write or *") { api, _ in
            let org = try await api.organization()
            let created = try await api.admin(.post, "/v1/organizations/\(org)/integrations", ["name": "Sync"])
            let integration = try #require(created.json["id"]?.string)
            let plain = try await api.admin(.post, "/v1/organizations/\(org)/tokens", ["name": "t", "integrationId": .string(integration)])
            #expect(plain.status == 201)
            #expect(plain.json["scopes"] == ["events:read", "events:write", "webhooks:read", "webhooks:write", "actions:run"])
            for (index, scope) in ["*", "tokens:write", "organizations:write"].enumerated() {
                let scopes: JSONValue = .array(["events:read", .string(scope)])
                let refused = try await api.admin(
                    .post, "/v1/organizations/\(org)/tokens", ["name": "t", "integrationId": .string(integration), "scopes": scopes])
                #expect(refused.status == 422, "\(index): \(refused.text)")
                #expect(refused.json["errors"]?[0]?["pointer"] == "/scopes/1")
                #expect(refused.json["errors"]?[0]?["message"]?.string?.contains("cannot hold \(scope)") == true)
            }
            // The widest an integration token may hold, asked for explicitly, is granted.
            let wide = try await api.admin(
                .post, "/v1/organizations/\(org)/tokens",
                ["name": "t", "integrationId": .string(integration), "scopes": ["integrations:write", "organizations:read", "actions:run"]])
            #expect(wide.status == 201)

            // Integration tokens stored before least privilege, with `*`, get the defaults, and show them.
            let secret = try #require(plain.json["token"]?.string)
            let id = try #require(plain.json["id"]?.string)
            _ = try await api.store.driver.query("UPDATE access_tokens SET scopes = '[\"*\"]' WHERE id = \(id)")
            #expect(try await api.admin(.get, "/v1/organizations/\(org)/tokens/\(id)").json["scopes"]?.array.count == 5)
            #expect(try await api.send(.get, "/v1/organizations/\(org)/tokens", token: secret).status == 403)
            #expect(try await api.send(.get, "/v1/organizations/\(org)/webhooks", token: secret).status == 200)
        },
        E2ECase("an integration token reaches only its own integration: a matrix over every route") { api, _ in
            let org = try await api.organization("Home")
            let mine = try await api.owned(in: org, name: "A")
            let theirs = try await api.owned(in: org, name: "B")
            let hook = try await api.admin(.post, "/v1/organizations/\(org)/webhooks", ["name": "Org hook", "url": "https://hooks.example.com/o"])
            let orgHook = try #require(hook.json["id"]?.string)
            let endpoint = try await api.admin(.post, "/v1/organizations/\(org)/inbound-webhooks", ["name": "Org in", "eventType": "thread.created"])
            let orgInbound = try #require(endpoint.json["id"]?.string)
            let user = try await api.admin(.post, "/v1/organizations/\(org)/users", ["name": "Ann", "email": "ann@example.com"])
            let userId = try #require(user.json["id"]?.string)

            // Every scope an integration token may hold, so that only reach decides.
            let token = try await api.token(
                in: org, scopes: ["events:write", "webhooks:write", "actions:run", "integrations:write", "organizations:read"],
                extra: ["integrationId": .string(mine.integration)])
            let base = "/v1/organizations/\(org)"
            let since = Timestamp.format(0)

            // (route, path for an owner's resources, body, what A's own resource answers)
            typealias Row = (String, HTTPRequestMethod, @Sendable (Owned) -> String, JSONValue?, Int)
            let integrationRoutes: [Row] = [
                ("getIntegration", .get, { "\(base)/integrations/\($0.integration)" }, nil, 200),
                ("updateIntegration", .patch, { "\(base)/integrations/\($0.integration)" }, ["description": "x"], 200),
                ("listActions", .get, { "\(base)/integrations/\($0.integration)/actions" }, nil, 200),
                ("getAction", .get, { "\(base)/integrations/\($0.integration)/actions/\($0.action)" }, nil, 200),
                ("updateAction", .patch, { "\(base)/integrations/\($0.integration)/actions/\($0.action)" }, ["description": "x"], 200),
                ("createAction", .post, { "\(base)/integrations/\($0.integration)/actions" }, getAction("Pong", "/pong"), 201),
                (
                    "renameActions", .post, { "\(base)/integrations/\($0.integration)/actions/rename" },
                    ["pattern": "^Pong$", "replacement": "Pung"], 200
                ),
                ("listInstallations", .get, { "\(base)/integrations/\($0.integration)/installations" }, nil, 200),
                ("getInstallation", .get, { "\(base)/installations/\($0.installation)" }, nil, 200),
                ("getOrganizationMapping", .get, { "\(base)/installations/\($0.installation)/organization-mapping" }, nil, 200),
                ("runAction", .post, { "\(base)/installations/\($0.installation)/actions/\($0.action)/run" }, [:], 502),
                ("callIntegration", .post, { "\(base)/integrations/\($0.integration)/call" }, ["payload": [:]], 409),
                ("finalizeIntegration", .post, { "\(base)/integrations/\($0.integration)/finalize" }, nil, 409),
            ]
            let webhookRoutes: [Row] = [
                ("getWebhook", .get, { "\(base)/webhooks/\($0.webhook)" }, nil, 200),
                ("updateWebhook", .patch, { "\(base)/webhooks/\($0.webhook)" }, ["name": "Renamed"], 200),
                ("getWebhookSecret", .get, { "\(base)/webhooks/\($0.webhook)/secret" }, nil, 200),
                ("rotateWebhookSecret", .post, { "\(base)/webhooks/\($0.webhook)/rotate-secret" }, nil, 200),
                ("testWebhook", .post, { "\(base)/webhooks/\($0.webhook)/test" }, nil, 200),
                ("listDeliveries", .get, { "\(base)/webhooks/\($0.webhook)/deliveries" }, nil, 200),
                ("recoverWebhook", .post, { "\(base)/webhooks/\($0.webhook)/recover" }, ["since": .string(since)], 202),
                ("getInboundWebhook", .get, { "\(base)/inbound-webhooks/\($0.inbound)" }, nil, 200),
                ("updateInboundWebhook", .patch, { "\(base)/inbound-webhooks/\($0.inbound)" }, ["name": "Renamed"], 200),
                ("listInboundRequests", .get, { "\(base)/inbound-webhooks/\($0.inbound)/requests" }, nil, 200),
            ]
            let organizationOwned = Owned(integration: "", action: "", installation: "", webhook: orgHook, inbound: orgInbound)
            for (route, method, path, body, own) in integrationRoutes + webhookRoutes {
                let other = try await api.send(method, path(theirs), token: token, body)
                #expect(other.status == 404, "\(route) on integration B: \(other.status) \(other.text)")
                let answer = try await api.send(method, path(mine), token: token, body)
                #expect(answer.status == own, "\(route) on integration A: \(answer.status) \(answer.text)")
            }
            for (route, method, path, body, _) in webhookRoutes {
                let response = try await api.send(method, path(organizationOwned), token: token, body)
                #expect(response.status == 404, "\(route) on the organization's own: \(response.status) \(response.text)")
            }
            // A's installation cannot run B's action, nor can a delivery of B's webhook be read through A's.
            let crossed = try await api.send(.post, "\(base)/installations/\(mine.installation)/actions/\(theirs.action)/run", token: token, [:])
            #expect(crossed.status == 404)

            // Lists show only what is A's.
            let ids = { (path: String) async throws -> [String] in
                try await api.send(.get, path, token: token).json["data"]?.array.compactMap { $0["id"]?.string } ?? []
            }
            #expect(try await ids("\(base)/integrations") == [mine.integration])
            #expect(try await ids("\(base)/webhooks") == [mine.webhook])
            #expect(try await ids("\(base)/inbound-webhooks") == [mine.inbound])
            #expect(try await api.admin(.get, "\(base)/webhooks").json["data"]?.array.count == 3)

            // What an integration token creates belongs to its integration; naming another is refused.
            let made = try await api.send(.post, "\(base)/webhooks", token: token, ["name": "Mine", "url": "https://hooks.example.com/m"])
            #expect(made.status == 201)
            #expect(made.json["integrationId"] == .string(mine.integration))
            let foreign = try await api.send(
                .post, "\(base)/webhooks", token: token,
                ["name": "Theirs", "url": "https://hooks.example.com/t", "integrationId": .string(theirs.integration)])
            #expect(foreign.status == 422 && foreign.json["errors"]?[0]?["pointer"] == "/integrationId")
            let madeInbound = try await api.send(.post, "\(base)/inbound-webhooks", token: token, ["name": "Mine", "eventType": "thread.created"])
            #expect(madeInbound.json["integrationId"] == .string(mine.integration))

            // What an integration token may never do, whatever it was given.
            #expect(try await api.send(.post, "\(base)/integrations", token: token, ["name": "New"]).status == 403)
            #expect(try await api.send(.post, "\(base)/tokens", token: token, ["name": "x"]).status == 403)
            #expect(try await api.send(.get, "\(base)/tokens", token: token).status == 403)
            #expect(try await api.send(.post, "\(base)/users", token: token, ["name": "B", "email": "b@example.com"]).status == 403)
            #expect(try await api.send(.patch, "\(base)/users/\(userId)", token: token, ["name": "B"]).status == 403)
            #expect(try await api.send(.patch, base, token: token, ["name": "Taken"]).status == 403)
            #expect(try await api.send(.post, "/v1/organizations", token: token, ["name": "New"]).status == 403)
            #expect(try await api.send(.post, "/v1/event-types", token: token, ["name": "x.y"]).status == 403)
            // Events are the organization's stream, which its webhooks could subscribe to anyway.
            #expect(try await api.send(.post, "\(base)/events", token: token, ["type": "thread.created", "data": [:]]).status == 202)
            #expect(try await api.send(.get, "\(base)/events", token: token).status == 200)

            // Deletes: another's (or the organization's) answer 404 and remove nothing; its own go.
            for path in [
                "\(base)/webhooks/\(theirs.webhook)", "\(base)/webhooks/\(orgHook)", "\(base)/inbound-webhooks/\(theirs.inbound)",
                "\(base)/inbound-webhooks/\(orgInbound)", "\(base)/installations/\(theirs.installation)",
                "\(base)/integrations/\(theirs.integration)/actions/\(theirs.action)", "\(base)/integrations/\(theirs.integration)",
            ] {
                #expect(try await api.send(.delete, path, token: token).status == 404, "\(path)")
                #expect(try await api.admin(.get, path).status == 200, "\(path) is still there")
            }
            for path in [
                "\(base)/webhooks/\(mine.webhook)", "\(base)/inbound-webhooks/\(mine.inbound)", "\(base)/installations/\(mine.installation)",
                "\(base)/integrations/\(mine.integration)/actions/\(mine.action)",
            ] {
                #expect(try await api.send(.delete, path, token: token).status == 204, "\(path)")
            }
        },
        E2ECase("a child organization's token reaches neither its parent nor its sibling") { api, _ in
            let parent = try await api.organization("Parent")
            let child = try await api.organization("Child", parent: parent)
            let sibling = try await api.organization("Sibling", parent: parent)
            let grandchild = try await api.organization("Grandchild", parent: child)
            var resources: [String: [String]] = [:]
            for org in [parent, child, sibling, grandchild] {
                let owned = try await api.owned(in: org, name: org)
                let user = try await api.admin(.post, "/v1/organizations/\(org)/users", ["name": "U", "email": "u@example.com"])
                let tokenId = try await api.admin(.post, "/v1/organizations/\(org)/tokens", ["name": "t"]).json["id"]?.string ?? ""
                let base = "/v1/organizations/\(org)"
                resources[org] = [
                    base, "\(base)/users", "\(base)/users/\(user.json["id"]?.string ?? "")", "\(base)/tokens", "\(base)/tokens/\(tokenId)",
                    "\(base)/integrations", "\(base)/integrations/\(owned.integration)", "\(base)/integrations/\(owned.integration)/actions",
                    "\(base)/integrations/\(owned.integration)/actions/\(owned.action)", "\(base)/integrations/\(owned.integration)/installations",
                    "\(base)/installations/\(owned.installation)", "\(base)/installations/\(owned.installation)/organization-mapping",
                    "\(base)/webhooks", "\(base)/webhooks/\(owned.webhook)", "\(base)/webhooks/\(owned.webhook)/secret",
                    "\(base)/webhooks/\(owned.webhook)/deliveries", "\(base)/inbound-webhooks", "\(base)/inbound-webhooks/\(owned.inbound)",
                    "\(base)/inbound-webhooks/\(owned.inbound)/requests", "\(base)/events",
                ]
            }
            let token = try await api.token(in: child)
            for org in [child, grandchild] {
                for path in resources[org] ?? [] {
                    let response = try await api.send(.get, path, token: token)
                    #expect(response.status == 200, "own subtree \(path): \(response.status) \(response.text)")
                }
            }
            for org in [parent, sibling] {
                for path in resources[org] ?? [] {
                    let response = try await api.send(.get, path, token: token)
                    #expect(response.status == 404, "outside \(path): \(response.status) \(response.text)")
                }
                for (method, suffix, body) in [
                    (HTTPRequestMethod.patch, "", ["name": "Taken"]), (.delete, "", nil),
                    (.post, "/webhooks", ["name": "W", "url": "https://h.example.com"]),
                    (.post, "/tokens", ["name": "t"]), (.post, "/events", ["type": "thread.created", "data": [:]]),
                    (.post, "/integrations", ["name": "I"]),
                ] as [(HTTPRequestMethod, String, JSONValue?)] {
                    let response = try await api.send(method, "/v1/organizations/\(org)\(suffix)", token: token, body)
                    #expect(response.status == 404, "outside \(method) \(suffix): \(response.status)")
                }
            }
            // A child cannot be moved under (or created in) an organization outside its reach.
            let escape = try await api.send(.post, "/v1/organizations", token: token, ["name": "Escape", "parentId": .string(sibling)])
            #expect(escape.status == 404 || escape.status == 422, "\(escape.status) \(escape.text)")
            let listed = try await api.send(.get, "/v1/organizations", token: token).json["data"]?.array.compactMap { $0["id"]?.string }
            #expect(Set(listed ?? []) == [child, grandchild])
        },
    ]
}
