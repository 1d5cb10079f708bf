import Foundation
import PatchbayApp
import PatchbayCore
import PatchbayTestSupport
import Testing

extension E2ECase {
    static let photosYAML = """
        swagger: "2.0"
        info:
          title: Photos
          version: "1"
          description: A photo API.
        host: api.example.com
        basePath: /v2
        securityDefinitions:
          key: {type: apiKey, in: header, name: X-Api-Key}
        security: [{key: []}]
        paths:
          /photos:
            get:
              operationId: listPhotoRecords
              parameters:
                - {name: offset, in: query, type: integer}
                - {name: limit, in: query, type: integer, default: 50}
              responses:
                "200": {description: ok, schema: {type: object, properties: {items: {type: array, items: {type: string}}}}}
            post:
              summary: Upload photo
              parameters: [{name: body, in: body, schema: {type: object}}]
              responses:
                "201": {description: created}
          /photos/{id}:
            get:
              parameters: [{name: id, in: path, required: true, type: string, pattern: "(?i)^[a-z]+$"}]
              responses:
                "200": {description: ok}
        """

    static let connectors: [E2ECase] = [
        E2ECase(
            "an API description is linted over HTTP, as JSON or YAML, with lines; unreadable input is a finding",
            configure: { $0.maxDocumentBytes = 64 * 1024 }
        ) { api, _ in
            #expect(PatchbayConfiguration().maxDocumentBytes == 32 * 1024 * 1024, "documents up to 32 MiB by default")
            let linted = try await api.call(.post, "/v1/openapi/lint", token: api.adminToken, json: photosYAML, contentType: "application/yaml")
            #expect(linted.status == 200)
            #expect(linted.json["valid"] == false && linted.json["version"] == "2.0" && linted.json["operations"] == 3)
            let problems = linted.json["problems"]?.array ?? []
            let regex = try #require(problems.first { $0["rule"] == "oas-schema-check" })
            #expect(regex["severity"] == "error" && regex["line"] == .int(27) && regex["pointer"] == "/paths/~1photos~1{id}/get/parameters/0/pattern")
            #expect(problems.contains { $0["rule"] == "operation-operationId" })

            let json = try await api.call(
                .post, "/v1/openapi/lint", token: api.adminToken, json: #"{"openapi": "3.0.3", "info": {"title": "x", "version": "1"}, "paths": {}}"#)
            #expect(json.status == 200 && json.json["version"] == "3.0.3" && json.json["operations"] == 0)

            let garbage = try await api.call(
                .post, "/v1/openapi/lint", token: api.adminToken, json: "openapi: [3.0\n  : :", contentType: "application/yaml")
            #expect(garbage.status == 200 && garbage.json["valid"] == false && garbage.json["problems"]?[0]?["rule"] == "unreadable")
            #expect(garbage.json["problems"]?[0]?["line"] != nil)

            #expect(try await api.call(.post, "/v1/openapi/lint", token: api.adminToken, json: "", contentType: "application/yaml").status == 400)
            #expect(try await api.call(.post, "/v1/openapi/lint", token: api.adminToken, json: "x", contentType: "image/png").status == 415)
            #expect(try await api.call(.post, "/v1/openapi/lint", json: photosYAML, contentType: "application/yaml").status == 401)
            let huge = String(repeating: " ", count: 64 * 1024 + 1)
            let tooLarge = try await api.call(.post, "/v1/openapi/lint", token: api.adminToken, json: huge, contentType: "application/yaml")
            #expect(tooLarge.status == 413)
            #expect(tooLarge.header("Content-Type")?.hasPrefix("application/problem+json") == true)
        },
        E2ECase("importing makes a draft integration with API settings and one action per operation; actions are managed and renamed") { api, _ in
            let org = try await api.organization()
            let imported = try await api.call(
                .post, "/v1/organizations/\(org)/integrations/import", token: api.adminToken, json: photosYAML, contentType: "application/yaml")
            #expect(imported.status == 201)
            #expect(imported.json["name"] == "Photos" && imported.json["status"] == "draft" && imported.json["description"] == "A photo API.")
            #expect(imported.json["source"] == "Swagger 2.0")
            #expect(imported.json["api"]?["baseUrl"] == "https://api.example.com/v2")
            #expect(imported.json["api"]?["auth"]?["type"] == "apiKey" && imported.json["api"]?["auth"]?["headerName"] == "X-Api-Key")
            #expect(imported.json["api"]?["pagination"]?["type"] == "index" && imported.json["api"]?["pagination"]?["defaultPageSize"] == 50)
            let names = imported.json["actions"]?.array.compactMap { $0["name"]?.string }
            #expect(names == ["List Photo Records", "Upload photo", "Get Photos"])
            #expect(imported.json["problems"]?.array.isEmpty == false)
            let integration = try #require(imported.json["id"]?.string)
            let stored = try await api.admin(.get, "/v1/organizations/\(org)/integrations/\(integration)")
            #expect(stored.json["api"] == imported.json["api"] && stored.json["source"] == "Swagger 2.0")
            let base = "/v1/organizations/\(org)/integrations/\(integration)/actions"

            let listed = try await api.admin(.get, base + "?limit=2")
            #expect(listed.json["data"]?.array.count == 2 && listed.json["nextCursor"] != .null)
            let searched = try await api.admin(.get, base + "?search=upload")
            #expect(searched.json["data"]?.array.compactMap { $0["name"]?.string } == ["Upload photo"])
            let upload = try #require(searched.json["data"]?[0]?["id"]?.string)
            let fetched = try await api.admin(.get, base + "/\(upload)")
            #expect(fetched.json["method"] == "POST" && fetched.json["requestBody"]?["content"]?["application/json"] != nil)

            // By hand: validated, unique by name regardless of case.
            let manual = try await api.admin(
                .post, base,
                ["name": "Delete Photo", "method": "delete", "path": "/photos/{id}", "parameters": [["name": "id", "in": "path", "required": true]]])
            #expect(manual.status == 201 && manual.json["method"] == "DELETE")
            let manualId = try #require(manual.json["id"]?.string)
            #expect(try await api.admin(.post, base, ["name": "delete photo", "method": "GET", "path": "/x"]).status == 409)
            let invalid = try await api.admin(.post, base, ["name": "Bad", "method": "FETCH", "path": "/photos/{id}"])
            #expect(invalid.status == 422)
            #expect(Set(invalid.json["errors"]?.array.compactMap { $0["pointer"]?.string } ?? []) == ["/method", "/path"])
            #expect(try await api.admin(.post, base, ["name": "X", "method": "GET", "path": "/x", "surprise": 1]).status == 422)
            let renamedOne = try await api.admin(.patch, base + "/\(manualId)", ["name": "Remove Photo"])
            #expect(renamedOne.status == 200 && renamedOne.json["name"] == "Remove Photo")
            #expect(try await api.admin(.patch, base + "/\(manualId)", ["name": "upload PHOTO"]).status == 409)

            // Bulk rename: a dry run shows before → after and changes nothing.
            let dry = try await api.admin(.post, base + "/rename", ["pattern": "^(\\w+) Photos?", "replacement": "Photo: $1", "dryRun": true])
            #expect(dry.status == 200 && dry.json["dryRun"] == true)
            let changes = dry.json["changes"]?.array.map { "\($0["from"]?.string ?? "") → \($0["to"]?.string ?? "")" }
            #expect(changes == ["List Photo Records → Photo: List Records", "Get Photos → Photo: Get", "Remove Photo → Photo: Remove"])
            #expect(try await api.admin(.get, base + "?search=photo%3A").json["data"]?.array.isEmpty == true)
            let applied = try await api.admin(.post, base + "/rename", ["pattern": "^(\\w+) Photos?", "replacement": "Photo: $1"])
            #expect(applied.status == 200 && applied.json["changes"]?.array.count == 3)
            #expect(try await api.admin(.get, base + "?search=photo%3A").json["data"]?.array.count == 3)
            let collision = try await api.admin(.post, base + "/rename", ["pattern": ".*", "replacement": "Same"])
            #expect(collision.status == 409)
            #expect(try await api.admin(.post, base + "/rename", ["pattern": "(", "replacement": "x"]).status == 422)
            // Back-references and look-around have no bounded-time match: refused, with the reason.
            let lookahead = try await api.admin(.post, base + "/rename", ["pattern": "(?=Photo)", "replacement": "x"])
            #expect(lookahead.status == 422 && lookahead.json["errors"]?[0]?["pointer"] == "/pattern", "\(lookahead.text)")
            #expect(try await api.admin(.post, base + "/rename", ["pattern": "(\\w)\\1", "replacement": "x"]).status == 422)
            // A catastrophic pattern against a name made for it answers at once (the matcher is linear in the name).
            let trap = try await api.admin(.post, base, ["name": .string(String(repeating: "a", count: 60) + "b"), "method": "GET", "path": "/trap"])
            #expect(trap.status == 201, "\(trap.text)")
            // Each pattern gets its own generous bound: a backtracking matcher took 30 s and more per pattern, while a
            // loaded CI machine running the debug build alongside other suites can take seconds for four requests.
            for pattern in ["^(a|aa)+$", "(a+)+$", "^(a|a?)+$", "(x+x+)+y"] {
                let started = ContinuousClock.now
                let response = try await api.admin(.post, base + "/rename", ["pattern": .string(pattern), "replacement": "x", "dryRun": true])
                #expect(response.status == 200 && response.json["changes"]?.array.isEmpty == true, "\(pattern): \(response.text.prefix(200))")
                #expect(ContinuousClock.now - started < .seconds(10), "\(pattern): backtracking took 30 s and more per pattern")
            }
            #expect(try await api.admin(.delete, base + "/\(try #require(trap.json["id"]?.string))").status == 204)
            #expect(try await api.admin(.post, base + "/rename", ["pattern": "^", "replacement": ""]).json["changes"]?.array.isEmpty == true)

            #expect(try await api.admin(.delete, base + "/\(manualId)").status == 204)
            #expect(try await api.admin(.get, base + "/\(manualId)").status == 404)

            // Another organization's token sees none of it.
            let other = try await api.organization("Other")
            let stranger = try await api.token(in: other)
            let strangerStatus = try await api.send(.get, base, token: stranger).status
            #expect(strangerStatus == 404 || strangerStatus == 403)
            #expect(try await api.send(.post, "/v1/organizations/\(org)/integrations/import", token: stranger, nil).status != 201)
        },
        E2ECase("a rename may swap two names; imports can make bots; deleting an integration deletes its actions and API") { api, _ in
            let org = try await api.organization()
            let imported = try await api.call(
                .post, "/v1/organizations/\(org)/integrations/import?bot=true", token: api.adminToken, json: photosYAML,
                contentType: "application/yaml")
            #expect(imported.status == 201 && imported.json["user"]?["kind"] == "bot")
            let badFlag = try await api.call(
                .post, "/v1/organizations/\(org)/integrations/import?bot=maybe", token: api.adminToken, json: photosYAML,
                contentType: "application/yaml")
            #expect(badFlag.status == 422)
            let integration = try #require(imported.json["id"]?.string)
            let base = "/v1/organizations/\(org)/integrations/\(integration)/actions"
            for name in ["Get Set", "Set Get"] {
                #expect(try await api.admin(.post, base, ["name": .string(name), "method": "GET", "path": "/x"]).status == 201)
            }
            // Each name becomes the other's: the unique index must not see the halfway state.
            let swapped = try await api.admin(.post, base + "/rename", ["pattern": "^(Get|Set) (Get|Set)$", "replacement": "$2 $1"])
            #expect(swapped.status == 200)
            #expect(Set(swapped.json["changes"]?.array.compactMap { $0["to"]?.string } ?? []) == ["Set Get", "Get Set"])
            let names = try await api.admin(.get, base + "?search=get%20set").json["data"]?.array.compactMap { $0["name"]?.string }
            #expect(names == ["Get Set"])

            #expect(try await api.admin(.delete, "/v1/organizations/\(org)/integrations/\(integration)").status == 204)
            #expect(try await api.store.actions.all(integrationId: integration).isEmpty)
            #expect(try await api.store.actions.api(integrationId: integration) == nil)
        },
        E2ECase("a document that yields nothing is refused with its line and leaves nothing behind") { api, _ in
            let org = try await api.organization()
            let refused = try await api.call(
                .post, "/v1/organizations/\(org)/integrations/import", token: api.adminToken, json: "title: no version here\npaths: {}\n",
                contentType: "application/yaml")
            #expect(refused.status == 422)
            #expect(refused.json["errors"]?[0]?["line"] == .int(1))
            let broken = try await api.call(
                .post, "/v1/organizations/\(org)/integrations/import", token: api.adminToken, json: #"{"openapi": "3.0.0", "paths": {"#,
                contentType: "application/json")
            #expect(broken.status == 422 && broken.json["errors"]?[0]?["message"]?.string?.hasPrefix("unreadable") == true)
            #expect(try await api.admin(.get, "/v1/organizations/\(org)/integrations").json["data"]?.array.isEmpty == true)
        },
        E2ECase("Gitea's real Swagger 2.0 YAML imports over HTTP with all 224 operations as actions", heavy: true, configure: { _ in }) { api, _ in
            guard let directory = SpecCorpus.directory else { return }
            let org = try await api.organization()
            let bytes = try Data(contentsOf: directory.appendingPathComponent("apisguru-gitea.io-1.1.1-swagger.yaml"))
            let imported = try await api.call(
                .post, "/v1/organizations/\(org)/integrations/import", token: api.adminToken, json: String(decoding: bytes, as: UTF8.self),
                contentType: "application/yaml")
            #expect(imported.status == 201)
            // Large: decoded once.
            let body = imported.json
            #expect(body["actions"]?.array.count == 224)
            #expect(body["source"] == "Swagger 2.0")
            #expect(body["api"]?["baseUrl"]?.string?.hasSuffix("/api/v1") == true)
            let integration = try #require(body["id"]?.string)
            let page = try await api.admin(.get, "/v1/organizations/\(org)/integrations/\(integration)/actions?limit=1000")
            #expect(page.json["data"]?.array.count == 224)
        },
    ]
}
