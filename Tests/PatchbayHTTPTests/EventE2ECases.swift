import Foundation
import PatchbayCore
import PatchbayTestSupport
import Testing

extension E2ECase {
    static let threadSchema: JSONValue = [
        "type": "object", "required": ["title"],
        "properties": ["title": ["type": "string", "maxLength": 50], "views": ["type": "integer", "minimum": 0]],
    ]

    static let events: [E2ECase] = [
        E2ECase("host event types are registered by admins, with schemas and examples") { api, _ in
            let created = try await api.admin(
                .post, "/v1/event-types", ["name": "thread.created", "description": "A thread was opened", "schema": threadSchema])
            #expect(created.status == 201)
            #expect(created.json["example"]?["title"]?.string != nil, "an example is generated from the schema")
            #expect(try await api.admin(.post, "/v1/event-types", ["name": "thread.created"]).status == 409)
            let fetched = try await api.admin(.get, "/v1/event-types/thread.created")
            #expect(fetched.json["schema"] == threadSchema)
            let all = try await api.admin(.get, "/v1/event-types").json["data"]?.array.compactMap { $0["name"]?.string } ?? []
            #expect(all.contains("thread.created") && all.contains("user.created") && all.contains("webhook.handshake"))
            #expect(try await api.admin(.get, "/v1/event-types/user.deleted").json["builtIn"] == true)
            #expect(try await api.admin(.get, "/v1/event-types/nope.nothing").status == 404)

            for (body, pointer) in [
                (["name": "user.signed_in"], "/name"), (["name": "NoDots"], "/name"),
                (["name": "thread.x", "schema": ["type": "object", "properties": ["n": ["type": "int"]]]], "/schema/properties/n/type"),
                (["name": "thread.y", "schema": threadSchema, "example": ["title": 7]], "/example/title"),
            ] as [(JSONValue, String)] {
                let refused = try await api.admin(.post, "/v1/event-types", body)
                #expect(refused.status == 422, "\(body)")
                #expect(refused.json["errors"]?[0]?["pointer"] == .string(pointer), "\(refused.text)")
            }
            let org = try await api.organization()
            let member = try await api.token(in: org)
            #expect(try await api.send(.post, "/v1/event-types", token: member, ["name": "thread.z"]).status == 403)
            #expect(try await api.send(.get, "/v1/event-types", token: member).status == 200)
        },
        E2ECase("published events are checked against their schema, all or nothing") { api, _ in
            _ = try await api.admin(.post, "/v1/event-types", ["name": "thread.created", "schema": threadSchema])
            let org = try await api.organization()
            let published = try await api.admin(.post, "/v1/organizations/\(org)/events", ["type": "thread.created", "data": ["title": "Hello"]])
            #expect(published.status == 202)
            #expect(published.json["action"] == "created")
            #expect(published.json["data"]?["title"] == "Hello")
            for (body, pointer) in [
                (["type": "thread.created", "data": ["title": 5]], "/data/title"),
                (["type": "thread.created", "data": ["views": -1, "title": "x"]], "/data/views"),
                (["type": "thread.created", "data": [:]], "/data/title"),
                (["type": "thread.created", "data": "text"], "/data"),
                (["type": "thread.deleted", "data": [:]], "/type"),
                (["type": "user.created", "data": [:]], "/type"),
                (["type": "thread.created"], "/data"),
            ] as [(JSONValue, String)] {
                let refused = try await api.admin(.post, "/v1/organizations/\(org)/events", body)
                #expect(refused.status == 422, "\(body)")
                #expect(refused.json["errors"]?[0]?["pointer"] == .string(pointer), "\(refused.text)")
            }
            var batch: [JSONValue] = (0..<10).map { ["type": "thread.created", "data": ["title": .string("T\($0)")]] }
            batch[7] = ["type": "thread.created", "data": ["title": .string(String(repeating: "x", count: 51))]]
            let refusedBatch = try await api.admin(.post, "/v1/organizations/\(org)/events/batch", ["events": .array(batch)])
            #expect(refusedBatch.status == 422)
            #expect(refusedBatch.json["errors"]?[0]?["pointer"] == "/events/7/data/title")
            let stored = { try await api.admin(.get, "/v1/organizations/\(org)/events?type=thread.created").json["data"]?.array.count }
            #expect(try await stored() == 1, "nothing of a refused batch is stored")
            batch[7] = ["type": "thread.created", "data": ["title": "T7"]]
            let accepted = try await api.admin(.post, "/v1/organizations/\(org)/events/batch", ["events": .array(batch)])
            #expect(accepted.status == 202)
            #expect(accepted.json["data"]?.array.count == 10)
            #expect(try await stored() == 11)
            let tooMany: [JSONValue] = Array(repeating: ["type": "thread.created", "data": ["title": "x"]], count: 1001)
            #expect(try await api.admin(.post, "/v1/organizations/\(org)/events/batch", ["events": .array(tooMany)]).status == 422)
            let reader = try await api.token(in: org, scopes: ["events:read"])
            #expect(
                try await api.send(.post, "/v1/organizations/\(org)/events", token: reader, ["type": "thread.created", "data": ["title": "x"]]).status
                    == 403)
        },
        E2ECase("an Idempotency-Key repeat returns the first event for 24 hours") { api, clock in
            _ = try await api.admin(.post, "/v1/event-types", ["name": "thread.created"])
            let org = try await api.organization()
            let path = "/v1/organizations/\(org)/events"
            let body = #"{"type":"thread.created","data":{"title":"Once"}}"#
            let key = ["Idempotency-Key": "order-42"]
            let first = try await api.call(.post, path, token: api.adminToken, json: body, headers: key)
            let again = try await api.call(.post, path, token: api.adminToken, json: body, headers: key)
            #expect(first.status == 202 && again.status == 202)
            #expect(first.json["id"] == again.json["id"])
            #expect(again.header("Idempotent-Replayed") == "true")
            let different = try await api.call(
                .post, path, token: api.adminToken, json: #"{"type":"thread.created","data":{"title":"Twice"}}"#, headers: key)
            #expect(different.status == 409)
            #expect(try await api.call(.post, path, token: api.adminToken, json: body, headers: ["Idempotency-Key": "has space"]).status == 422)

            let racing = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await api.call(.post, path, token: api.adminToken, json: body, headers: ["Idempotency-Key": "race"]).json["id"]?.string
                    }
                }
                return try await group.reduce(into: Set<String?>()) { $0.insert($1) }
            }
            #expect(racing.count == 1 && racing.first! != nil, "concurrent repeats share one event")

            clock.advance(byMillis: 24 * 3_600_000 + 1)
            let later = try await api.call(.post, path, token: api.adminToken, json: body, headers: key)
            #expect(later.status == 202)
            #expect(later.json["id"] != first.json["id"], "after 24 hours the key starts afresh")
            #expect(try await api.admin(.get, "\(path)?type=thread.created").json["data"]?.array.count == 3)
        },
    ]
}
