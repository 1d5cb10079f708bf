import Foundation
import PatchbayCore
import PatchbayTestSupport
import Testing

extension E2ECase {
    static let resources: [E2ECase] = [
        E2ECase("users are created, updated, listed and deleted") { api, _ in
            let org = try await api.organization()
            let created = try await api.admin(
                .post, "/v1/organizations/\(org)/users", ["name": "Ada", "email": "ada@example.com", "phone": "+44 20 7946 0000", "role": "admin"]
            )
            #expect(created.status == 201)
            #expect(created.header("Location") == "/v1/organizations/\(org)/users/\(created.json["id"]?.string ?? "")")
            let id = try #require(created.json["id"]?.string)
            #expect(created.json["role"] == "admin")
            let duplicate = try await api.admin(.post, "/v1/organizations/\(org)/users", ["name": "Ada 2", "email": "ADA@example.com"])
            #expect(duplicate.status == 409)
            #expect(duplicate.json["errors"]?[0]?["pointer"] == "/email")
            let cleared = try await api.admin(.patch, "/v1/organizations/\(org)/users/\(id)", ["phone": nil, "role": "member"])
            #expect(cleared.json["phone"] == .null)
            #expect(cleared.json["role"] == "member")
            #expect(cleared.json["email"] == "ada@example.com")
            let badRole = try await api.admin(.patch, "/v1/organizations/\(org)/users/\(id)", ["role": "owner"])
            #expect(badRole.status == 422)
            #expect(badRole.json["errors"]?[0]?["pointer"] == "/role")
            #expect(try await api.admin(.get, "/v1/organizations/\(org)/users?search=ADA").json["data"]?.array.count == 1)
            #expect(try await api.admin(.delete, "/v1/organizations/\(org)/users/\(id)").status == 204)
            #expect(try await api.admin(.get, "/v1/organizations/\(org)/users/\(id)").status == 404)
        },
        E2ECase("integrations own app or bot users; app users never show in lookups") { api, _ in
            let org = try await api.organization()
            let app = try await api.admin(.post, "/v1/organizations/\(org)/integrations", ["name": "Sync", "description": "Syncs", "bot": false])
            let bot = try await api.admin(.post, "/v1/organizations/\(org)/integrations", ["name": "Helper", "description": "Helps", "bot": true])
            #expect(app.status == 201 && bot.status == 201)
            #expect(app.json["status"] == "draft")
            #expect(app.json["user"]?["kind"] == "app")
            #expect(bot.json["user"]?["kind"] == "bot")
            let appUser = try #require(app.json["user"]?["id"]?.string)
            let botUser = try #require(bot.json["user"]?["id"]?.string)
            #expect(try await api.admin(.get, "/v1/organizations/\(org)/users").json["data"]?.array.isEmpty == true)
            let withBots = try await api.admin(.get, "/v1/organizations/\(org)/users?includeBots=true").json["data"]?.array
            #expect(withBots?.compactMap { $0["id"]?.string } == [botUser])
            #expect(try await api.admin(.get, "/v1/organizations/\(org)/users/\(appUser)").status == 404)
            #expect(try await api.admin(.get, "/v1/organizations/\(org)/users/\(botUser)").status == 200)
            #expect(try await api.admin(.patch, "/v1/organizations/\(org)/users/\(botUser)", ["name": "X"]).status == 409)
            #expect(try await api.admin(.get, "/v1/organizations/\(org)/users?includeBots=maybe").status == 422)

            let integrationId = try #require(app.json["id"]?.string)
            let integrationToken = try await api.token(
                in: org, scopes: ["integrations:write"], extra: ["integrationId": .string(integrationId)])
            let changed = try await api.send(
                .patch, "/v1/organizations/\(org)/integrations/\(integrationId)", token: integrationToken, ["description": "Syncs"])
            #expect(changed.status == 200)
            let events = try await api.admin(.get, "/v1/organizations/\(org)/events?type=integration.updated").json["data"]?.array
            let actor = events?.last?["actor"]
            #expect(actor?["type"] == "integration")
            #expect(actor?["id"] == .string(integrationId))
            #expect(actor?["userId"] == .string(appUser))

            let path = "/v1/organizations/\(org)/integrations/\(integrationId)"
            #expect(try await api.admin(.patch, path, ["status": "published"]).status == 422)
            let finalized = try await api.admin(.post, "\(path)/finalize")
            #expect(finalized.json["status"] == "published")
            #expect(finalized.json["finalizedAt"]?.string != nil)
            #expect(try await api.admin(.post, "\(path)/finalize").status == 409)
            let backToDraft = try await api.admin(.patch, path, ["status": "draft"])
            #expect(backToDraft.status == 422)
            #expect(backToDraft.json["errors"]?[0]?["pointer"] == "/status")
            #expect(try await api.admin(.patch, path, ["status": "hidden", "name": "Sync 2"]).json["status"] == "hidden")
            let hiddenFirst = try #require(bot.json["id"]?.string)
            let hidden = try await api.admin(.post, "/v1/organizations/\(org)/integrations/\(hiddenFirst)/finalize", ["status": "hidden"])
            #expect(hidden.json["status"] == "hidden")
            // Hidden is kept, not offered: it does not install until it is published.
            let hiddenInstall = try await api.admin(.post, "/v1/organizations/\(org)/integrations/\(hiddenFirst)/installations", [:])
            #expect(hiddenInstall.status == 409 && hiddenInstall.text.contains("hidden"))
            #expect(try await api.admin(.patch, "/v1/organizations/\(org)/integrations/\(hiddenFirst)", ["status": "published"]).status == 200)
            #expect(try await api.admin(.post, "/v1/organizations/\(org)/integrations/\(hiddenFirst)/installations", [:]).status == 201)

            #expect(try await api.admin(.delete, path).status == 204)
            #expect(try await api.send(.get, "/v1/organizations/\(org)/integrations/\(integrationId)", token: integrationToken).status == 401)
        },
        E2ECase("icons must be inert SVG") { api, _ in
            let org = try await api.organization()
            let good = #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 2 2"><rect width="2" height="2"/></svg>"#
            let created = try await api.admin(.post, "/v1/organizations/\(org)/integrations", ["name": "I", "iconSvg": .string(good)])
            #expect(created.json["iconSvg"] == .string(good))
            for svg in [
                "<svg><script>alert(1)</script></svg>", #"<svg onload="alert(1)"/>"#, #"<svg><a href="javascript:void(0)"/></svg>"#,
                #"<svg><image href="https://tracker.example/p.gif"/></svg>"#, "plain text",
            ] {
                let refused = try await api.admin(.post, "/v1/organizations/\(org)/integrations", ["name": "I", "iconSvg": .string(svg)])
                #expect(refused.status == 422, "\(svg)")
                #expect(refused.json["errors"]?[0]?["pointer"] == "/iconSvg")
                #expect(refused.json["errors"]?[0]?["message"]?.string?.isEmpty == false)
            }
            let id = try #require(created.json["id"]?.string)
            let patched = try await api.admin(.patch, "/v1/organizations/\(org)/integrations/\(id)", ["iconSvg": "<svg><script/></svg>"])
            #expect(patched.status == 422)
            #expect(try await api.admin(.patch, "/v1/organizations/\(org)/integrations/\(id)", ["iconSvg": nil]).json["iconSvg"] == .null)
        },
        E2ECase("every change writes its event to the outbox") { api, _ in
            let org = try await api.organization("Outbox")
            _ = try await api.admin(.patch, "/v1/organizations/\(org)", ["name": "Outbox 2"])
            let user = try await api.admin(.post, "/v1/organizations/\(org)/users", ["name": "Ada", "email": "ada@example.com"]).json["id"]?.string
            _ = try await api.admin(.patch, "/v1/organizations/\(org)/users/\(user ?? "")", ["name": "Ada L."])
            _ = try await api.admin(.delete, "/v1/organizations/\(org)/users/\(user ?? "")")
            let integration = try await api.admin(.post, "/v1/organizations/\(org)/integrations", ["name": "I"]).json["id"]?.string
            _ = try await api.admin(.post, "/v1/organizations/\(org)/integrations/\(integration ?? "")/finalize")
            _ = try await api.admin(.delete, "/v1/organizations/\(org)/integrations/\(integration ?? "")")
            let events = try await api.admin(.get, "/v1/organizations/\(org)/events").json["data"]?.array ?? []
            #expect(
                events.compactMap { $0["type"]?.string } == [
                    "organization.created", "organization.updated", "user.created", "user.updated", "user.deleted", "integration.created",
                    "integration.updated", "integration.deleted",
                ]
            )
            for event in events {
                #expect(event["id"]?.string?.hasPrefix("evt_") == true)
                #expect(event["organizationId"] == .string(org))
                #expect(event["action"]?.string == event["type"]?.string?.split(separator: ".").last.map(String.init))
                #expect(event["actor"]?["type"] == "admin")
                #expect(event["createdAt"]?.string.flatMap(Timestamp.parse) != nil)
            }
            #expect(events[3]["data"]?["name"] == "Ada L.")
            let page = try await api.admin(.get, "/v1/organizations/\(org)/events?limit=3")
            #expect(page.json["data"]?.array.count == 3)
            let next = try #require(page.header("Link"))
            #expect(next.hasSuffix(#"; rel="next""#))
            let nextPath = String(next.dropFirst().prefix { $0 != ">" })
            let second = try await api.admin(.get, nextPath)
            #expect(second.json["data"]?[0]?["type"] == "user.updated")
            #expect(try await api.admin(.get, "/v1/organizations/\(org)/events?type=user.deleted").json["data"]?.array.count == 1)
        },
        E2ECase("lists page with cursors and Link headers, sorted and searched") { api, _ in
            let org = try await api.organization()
            for index in 0..<12 {
                let response = try await api.admin(
                    .post, "/v1/organizations/\(org)/users", ["name": .string("User \(index % 4)"), "email": .string("u\(index)@example.com")])
                try #require(response.status == 201)
            }
            var path: String? = "/v1/organizations/\(org)/users?limit=5&sort=-name"
            var names: [String] = []
            var ids: Set<String> = []
            while let next = path {
                let response = try await api.admin(.get, next)
                #expect(response.status == 200)
                for user in response.json["data"]?.array ?? [] {
                    names.append(user["name"]?.string ?? "")
                    ids.insert(user["id"]?.string ?? "")
                }
                path = response.header("Link").map { String($0.dropFirst().prefix { $0 != ">" }) }
                #expect((response.json["nextCursor"] != .null) == (path != nil))
            }
            #expect(ids.count == 12)
            #expect(names == names.sorted(by: >))
            #expect(try await api.admin(.get, "/v1/organizations/\(org)/users?search=user%201").json["data"]?.array.count == 3)
        },
    ]
}
