import Foundation
import PatchbayApp
import PatchbayCore
import PatchbayTestSupport
import Testing

/// An integration set up for runs: finalized, with actions, installed.
struct ConnectorFixture {
    var organization: String
    var integration: String
    var installation: String
    var actions: [String: String]

    func runPath(_ action: String) -> String {
        "/v1/organizations/\(organization)/installations/\(installation)/actions/\(actions[action] ?? "act_missing")/run"
    }
}

extension APIClient {
    /// Creates an integration with `api` and `actions` (name → method, path, parameters), finalizes it and installs
    /// it with `credentials`.
    func connector(
        in organization: String? = nil, api: JSONValue, actions: [JSONValue], credentials: JSONValue = [:]
    ) async throws -> ConnectorFixture {
        let org: String
        if let organization { org = organization } else { org = try await self.organization("Connector org") }
        let created = try await admin(.post, "/v1/organizations/\(org)/integrations", ["name": "Connector"])
        try #require(created.status == 201, "\(created.text)")
        let integration = try #require(created.json["id"]?.string)
        let patched = try await admin(.patch, "/v1/organizations/\(org)/integrations/\(integration)", ["api": api])
        try #require(patched.status == 200, "\(patched.text)")
        var ids: [String: String] = [:]
        for action in actions {
            let response = try await admin(.post, "/v1/organizations/\(org)/integrations/\(integration)/actions", action)
            try #require(response.status == 201, "\(response.text)")
            ids[action["name"]?.string ?? ""] = response.json["id"]?.string
        }
        let finalized = try await admin(.post, "/v1/organizations/\(org)/integrations/\(integration)/finalize")
        try #require(finalized.status == 200, "\(finalized.text)")
        let installed = try await admin(
            .post, "/v1/organizations/\(org)/integrations/\(integration)/installations", ["credentials": credentials])
        try #require(installed.status == 201, "\(installed.text)")
        return ConnectorFixture(
            organization: org, integration: integration, installation: try #require(installed.json["id"]?.string), actions: ids)
    }

    func run(_ fixture: ConnectorFixture, _ action: String, _ body: JSONValue = [:]) async throws -> APIResponse {
        try await admin(.post, fixture.runPath(action), body)
    }
}

func getAction(_ name: String, _ path: String, parameters: [JSONValue] = [], paginated: Bool = false) -> JSONValue {
    ["name": .string(name), "method": "GET", "path": .string(path), "parameters": .array(parameters), "paginated": .bool(paginated)]
}

func queryParameter(_ name: String, type: String = "string", required: Bool = false) -> JSONValue {
    ["name": .string(name), "in": "query", "required": .bool(required), "schema": ["type": .string(type)]]
}

extension E2ECase {
    static let connectorConfiguration: @Sendable (inout PatchbayConfiguration) -> Void = { configuration in
        configuration.allowPrivateTargets = true
        configuration.connectors.backoffMillis = 10
        configuration.connectors.maxRetryAfterMillis = 5_000
        configuration.connectors.timeout = .seconds(10)
        configuration.connectors.maxResponseBytes = 1 << 20
    }

    /// A short timeout, for the case that checks it (the slow route answers after 3 s).
    static let shortTimeoutConfiguration: @Sendable (inout PatchbayConfiguration) -> Void = { configuration in
        connectorConfiguration(&configuration)
        configuration.connectors.timeout = .seconds(1)
    }

    static let connectorRuntime: [E2ECase] = [
        E2ECase("pagination follows each of the five styles to the end", configure: connectorConfiguration) { api, _ in
            let paged = PagedTestAPI()
            try await paged.run { port in
                let base = JSONValue.string("http://127.0.0.1:\(port)")
                let styles: [(String, JSONValue, String, Int)] = [
                    (
                        "index",
                        ["type": "index", "resultsKey": "data", "pageSizeParam": "limit", "defaultPageSize": 20, "indexParam": "offset"],
                        "/offset", 5
                    ),
                    (
                        "page",
                        [
                            "type": "page", "resultsKey": "results", "pageSizeParam": "per_page", "defaultPageSize": 10, "pageParam": "page",
                            "pageLimit": 20,
                        ],
                        "/page", 10
                    ),
                    ("link header", ["type": "link", "pageSizeParam": "size", "defaultPageSize": 30, "headerRel": "next"], "/link", 4),
                    ("link body", ["type": "link", "linkLocation": "body", "nextPageKey": "links.next", "resultsKey": "items"], "/bodylink", 4),
                    (
                        "pointer",
                        [
                            "type": "pointer", "resultsKey": "data", "pageSizeParam": "limit", "defaultPageSize": 40, "afterParam": "after",
                            "pointerPath": "$.meta.next_cursor",
                        ],
                        "/cursor", 3
                    ),
                ]
                for (name, pagination, path, pages) in styles {
                    let fixture = try await api.connector(
                        api: ["baseUrl": base, "auth": ["type": "none"], "pagination": pagination],
                        actions: [getAction("List", path, paginated: true)])
                    let response = try await api.run(fixture, "List", ["paginate": true])
                    #expect(response.status == 200, "\(name): \(response.text)")
                    let json = response.json
                    let ids = json["results"]?.array.compactMap { item -> Int64? in if case .int(let id)? = item["id"] { id } else { nil } } ?? []
                    #expect(ids == Array(1...Int64(PagedTestAPI.itemCount)), "\(name): \(ids.count) items")
                    #expect(json["pages"] == .int(Int64(pages)), "\(name): \(json["pages"] ?? .null) pages, \(json["stopReason"] ?? .null)")
                    #expect(json["status"] == 200)
                }
                // The relative Link target kept its commas and was resolved against the request URL.
                #expect(paged.requests(to: "/link").dropFirst().allSatisfy { $0.query.contains("tags=a,b") })
                // Without paginate, one request.
                let index = try await api.connector(
                    api: ["baseUrl": base, "auth": ["type": "none"], "pagination": styles[0].1],
                    actions: [getAction("List", "/offset", paginated: true)])
                let single = try await api.run(index, "List")
                #expect(single.json["pages"] == 1 && single.json["results"] == nil)
                #expect(single.json["response"]?["body"]?["data"]?.array.count == 10)
                // A page limit below what the data needs stops early and says so.
                let limited = try await api.run(index, "List", ["paginate": true, "pageLimit": 2])
                #expect(limited.json["results"]?.array.count == 40 && limited.json["stopReason"] == "page limit reached")
                let tooMany = try await api.run(index, "List", ["paginate": true, "pageLimit": 21])
                #expect(tooMany.status == 422 && tooMany.text.contains("/pageLimit"))
            }
        },
        E2ECase("pagination stops on a repeated cursor, an identical page and a link to another origin", configure: connectorConfiguration) {
            api, _ in
            let paged = PagedTestAPI()
            try await paged.run { port in
                let base = JSONValue.string("http://127.0.0.1:\(port)")
                let pointer = try await api.connector(
                    api: [
                        "baseUrl": base, "auth": ["type": "none"],
                        "pagination": ["type": "pointer", "resultsKey": "data", "afterParam": "after", "pointerPath": "meta.next_cursor"],
                    ], actions: [getAction("Loop", "/repeat-cursor")])
                let loop = try await api.run(pointer, "Loop", ["paginate": true])
                #expect(loop.json["pages"] == 2 && loop.json["stopReason"] == "repeated link or cursor", "\(loop.text)")
                let page = try await api.connector(
                    api: ["baseUrl": base, "auth": ["type": "none"], "pagination": ["type": "page", "resultsKey": "results", "pageParam": "page"]],
                    actions: [getAction("Same", "/same")])
                let same = try await api.run(page, "Same", ["paginate": true])
                #expect(same.json["pages"] == 2 && same.json["stopReason"] == "identical page", "\(same.text)")
                #expect(same.json["results"]?.array.count == 5)
                let link = try await api.connector(
                    api: ["baseUrl": base, "auth": ["type": "none"], "pagination": ["type": "link"]], actions: [getAction("Foreign", "/foreign")])
                let foreign = try await api.run(link, "Foreign", ["paginate": true])
                #expect(foreign.json["pages"] == 1 && foreign.json["stopReason"] == "next link leaves the API's origin", "\(foreign.text)")
            }
        },
        E2ECase("runs retry what is safe to retry, honour Retry-After, and cap time and size", configure: shortTimeoutConfiguration) { api, _ in
            let paged = PagedTestAPI()
            try await paged.run { port in
                let fixture = try await api.connector(
                    api: ["baseUrl": .string("http://127.0.0.1:\(port)"), "auth": ["type": "none"], "pagination": ["type": "none"]],
                    actions: [
                        getAction("Flaky", "/flaky"), getAction("Limited", "/ratelimited"), getAction("Slow", "/slow"), getAction("Big", "/big"),
                        ["name": "Post", "method": "POST", "path": "/flaky-post"],
                    ])
                let flaky = try await api.run(fixture, "Flaky")
                #expect(flaky.json["status"] == 200 && flaky.json["requests"] == 3, "\(flaky.text)")
                let started = ContinuousClock.now
                let limited = try await api.run(fixture, "Limited")
                #expect(limited.json["status"] == 200 && limited.json["requests"] == 2, "\(limited.text)")
                #expect(ContinuousClock.now - started >= .seconds(1), "Retry-After: 1 was not honoured")
                // POST is not idempotent: one attempt, and the API's 503 is the result.
                let post = try await api.run(fixture, "Post")
                #expect(post.status == 200 && post.json["status"] == 503 && post.json["requests"] == 1, "\(post.text)")
                #expect(paged.requests(to: "/flaky-post").count == 1)
                let slow = try await api.run(fixture, "Slow")
                #expect(slow.status == 504, "\(slow.text)")
                let big = try await api.run(fixture, "Big")
                #expect(big.status == 502 && big.text.contains("more than"), "\(big.text)")
            }
        },
        E2ECase("API key (header or query) and Basic credentials reach the API, and are never shown", configure: connectorConfiguration) { api, _ in
            let paged = PagedTestAPI()
            try await paged.run { port in
                let base = JSONValue.string("http://127.0.0.1:\(port)")
                let header = try await api.connector(
                    api: ["baseUrl": base, "auth": ["type": "apiKey", "headerName": "X-Api-Key"], "pagination": ["type": "none"]],
                    actions: [getAction("Me", "/secure-key")], credentials: ["apiKey": "key-7f3a9c2e1b"])
                #expect(try await api.run(header, "Me").json["status"] == 200)
                let query = try await api.connector(
                    api: ["baseUrl": base, "auth": ["type": "apiKey", "in": "query", "queryParam": "api_key"], "pagination": ["type": "none"]],
                    actions: [getAction("Me", "/secure-key")], credentials: ["apiKey": "key-7f3a9c2e1b"])
                #expect(try await api.run(query, "Me").json["status"] == 200)
                let basic = try await api.connector(
                    api: ["baseUrl": base, "auth": ["type": "basic", "extraHeaders": ["X-Extra": "yes"]], "pagination": ["type": "none"]],
                    actions: [getAction("Me", "/secure-basic")], credentials: ["username": "ann", "password": "p@ss w"])
                #expect(try await api.run(basic, "Me").json["status"] == 200)
                #expect(paged.requests(to: "/secure-basic").last?.headers["x-extra"] == "yes")
                let wrong = try await api.connector(
                    api: ["baseUrl": base, "auth": ["type": "apiKey", "headerName": "X-Api-Key"], "pagination": ["type": "none"]],
                    actions: [getAction("Me", "/secure-key")], credentials: ["apiKey": "nope"])
                #expect(try await api.run(wrong, "Me").json["status"] == 401)
                // Credentials are sealed at rest and never returned.
                let shown = try await api.admin(.get, "/v1/organizations/\(header.organization)/installations/\(header.installation)")
                #expect(shown.status == 200 && !shown.text.contains("key-7f3a9c2e1b") && shown.json["state"] == "ready")
                let raw = try await api.store.driver.query("SELECT credentials FROM installations WHERE id = \(header.installation)")
                let sealed = try raw.first?.optionalString("credentials") ?? ""
                #expect(sealed.hasPrefix("v1:") && !sealed.contains("key-7f3a9c2e1b"))
            }
        },
        E2ECase("a run builds its request from the action and refuses bad input before calling", configure: connectorConfiguration) { api, _ in
            let paged = PagedTestAPI()
            try await paged.run { port in
                let echo: JSONValue = [
                    "name": "Echo", "method": "POST", "path": "/echo/{id}",
                    "parameters": [
                        ["name": "id", "in": "path", "required": true, "schema": ["type": "string"]],
                        [
                            "name": "tags", "in": "query", "required": false, "explode": false,
                            "schema": ["type": "array", "items": ["type": "string"]],
                        ],
                        ["name": "filter", "in": "query", "required": false, "style": "deepObject", "schema": ["type": "object"]],
                        ["name": "count", "in": "query", "required": true, "schema": ["type": "integer", "minimum": 1]],
                        ["name": "X-Trace", "in": "header", "required": false, "schema": ["type": "string"]],
                    ],
                    "requestBody": [
                        "required": true,
                        "content": [
                            "application/json": [
                                "type": "object", "required": ["title"],
                                "properties": ["title": ["type": "string"], "note": ["type": "string", "nullable": true]],
                            ]
                        ],
                    ],
                ]
                let fixture = try await api.connector(
                    api: ["baseUrl": .string("http://127.0.0.1:\(port)/"), "auth": ["type": "none"], "pagination": ["type": "none"]], actions: [echo])
                let response = try await api.run(
                    fixture, "Echo",
                    [
                        "parameters": ["id": "a b/ç", "tags": ["x", "y,z"], "filter": ["state": "open"], "count": 3, "X-Trace": "t-1"],
                        "body": ["title": "Hi", "note": nil],
                    ])
                #expect(response.json["status"] == 200, "\(response.text)")
                let echoed = response.json["response"]?["body"]
                #expect(echoed?["path"] == "/echo/a%20b%2F%C3%A7", "\(echoed ?? .null)")
                #expect(echoed?["query"] == "tags=x,y%2Cz&filter%5Bstate%5D=open&count=3", "\(echoed ?? .null)")
                #expect(echoed?["headers"]?["x-trace"] == "t-1" && echoed?["headers"]?["content-type"] == "application/json")
                #expect(echoed?["body"] == #"{"note":null,"title":"Hi"}"#)
                let before = paged.requests.count
                let missing = try await api.run(fixture, "Echo", ["parameters": ["count": 0, "bogus": 1], "body": ["note": 5]])
                #expect(missing.status == 422, "\(missing.text)")
                let pointers = Set(missing.json["errors"]?.array.compactMap { $0["pointer"]?.string } ?? [])
                #expect(pointers == ["/parameters/id", "/parameters/count", "/parameters/bogus", "/body/title", "/body/note"], "\(pointers)")
                #expect(paged.requests.count == before, "a refused run must not call the API")
            }
        },
        E2ECase("organization mapping: list the provider's companies, suggest matches, map, and run for a child", configure: connectorConfiguration) {
            api, _ in
            let paged = PagedTestAPI()
            try await paged.run { port in
                let parent = try await api.organization("MSP")
                let acme = try await api.organization("Acme, Inc.", parent: parent)
                let globex = try await api.organization("Globex", parent: parent)
                let initech = try await api.organization("Initech", parent: parent)
                let outsider = try await api.organization("Elsewhere")
                let fixture = try await api.connector(
                    in: parent,
                    api: [
                        "baseUrl": .string("http://127.0.0.1:\(port)"), "auth": ["type": "none"],
                        "pagination": [
                            "type": "page", "resultsKey": "companies", "pageParam": "page", "pageSizeParam": "per_page", "defaultPageSize": 2,
                        ],
                    ],
                    actions: [
                        getAction("Companies", "/companies", paginated: true),
                        getAction("Tickets", "/tickets", parameters: [queryParameter("companyId", required: true)]),
                    ])
                let mappingPath = "/v1/organizations/\(parent)/installations/\(fixture.installation)/organization-mapping"
                #expect(try await api.admin(.post, mappingPath + "/suggest").status == 409, "no mapping settings yet")
                let settings: [String: JSONValue] = [
                    "actionId": .string(fixture.actions["Companies"] ?? ""), "idKey": "id", "nameKey": "name", "parameter": "companyId",
                ]
                #expect(try await api.admin(.put, mappingPath, .object(settings)).status == 200)
                let suggested = try await api.admin(.post, mappingPath + "/suggest")
                #expect(suggested.status == 200 && suggested.json["candidates"] == 3 && suggested.json["pages"] == 2, "\(suggested.text)")
                let byOrganization = Dictionary(
                    uniqueKeysWithValues: (suggested.json["suggestions"]?.array ?? []).compactMap { item in
                        item["organizationId"]?.string.map { ($0, item["externalId"]?.string ?? "none") }
                    })
                #expect(byOrganization == [acme: "c-1", globex: "c-2", initech: "none"], "\(byOrganization)")
                let entries: [JSONValue] = [
                    ["organizationId": .string(acme), "externalId": "c-1", "externalName": "ACME"],
                    ["organizationId": .string(globex), "externalId": "c-2"],
                ]
                var withEntries = settings
                withEntries["entries"] = .array(entries + [["organizationId": .string(outsider), "externalId": "c-9"]])
                let refused = try await api.admin(.put, mappingPath, .object(withEntries))
                #expect(refused.status == 422 && refused.text.contains("/entries/2/organizationId"), "\(refused.text)")
                withEntries["entries"] = .array(entries)
                let stored = try await api.admin(.put, mappingPath, .object(withEntries))
                #expect(stored.status == 200 && stored.json["entries"]?.array.count == 2, "\(stored.text)")
                #expect(try await api.admin(.get, mappingPath).json["entries"]?.array.count == 2)
                let forAcme = try await api.run(fixture, "Tickets", ["organizationId": .string(acme)])
                #expect(forAcme.json["response"]?["body"]?["companyId"] == "c-1", "\(forAcme.text)")
                let unmapped = try await api.run(fixture, "Tickets", ["organizationId": .string(initech)])
                #expect(unmapped.status == 422 && unmapped.text.contains("not mapped"), "\(unmapped.text)")
                let foreign = try await api.run(fixture, "Tickets", ["organizationId": .string(outsider)])
                #expect(foreign.status == 422, "\(foreign.text)")
            }
        },
        E2ECase("connector endpoints answer bad input with precise problems and store nothing") { api, _ in
            let fixture = try await api.connector(
                api: ["baseUrl": "https://api.example.com", "auth": ["type": "apiKey"], "pagination": ["type": "none"]],
                actions: [getAction("Ping", "/ping", parameters: [queryParameter("n", type: "integer")])], credentials: ["apiKey": "k"])
            let path = fixture.runPath("Ping")
            for (body, pointer) in [
                (#"{"parameters": [1]}"#, "/parameters"), (#"{"paginate": "yes"}"#, "/paginate"), (#"{"surprise": 1}"#, "/surprise"),
                (#"{"parameters": {"n": "NaN"}}"#, "/parameters/n"), (#"{"organizationId": "org_nope"}"#, "/organizationId"),
            ] {
                let response = try await api.call(.post, path, token: api.adminToken, json: body)
                #expect(response.status == 422 && response.text.contains(pointer), "\(body): \(response.text)")
            }
            #expect(try await api.call(.post, path, token: api.adminToken, json: "{").status == 400)
            #expect(try await api.call(.post, path, token: api.adminToken, json: "{}", contentType: "text/plain").status == 415)
            let notFound = "/v1/organizations/\(fixture.organization)/installations/\(fixture.installation)/actions/act_nope/run"
            #expect(try await api.admin(.post, notFound, [:]).status == 404)
            // Someone else's token does not reach the installation; a token without actions:run may not run.
            let other = try await api.token(in: try await api.organization("Other"))
            #expect(try await api.call(.post, path, token: other, json: "{}").status == 404)
            let reader = try await api.token(in: fixture.organization, scopes: ["integrations:read"])
            #expect(try await api.call(.post, path, token: reader, json: "{}").status == 403)
            // Credentials that no longer open (a corrupt row) fail the run, but never answer before the checks:
            // a caller who cannot reach the organization still gets 404, one without actions:run still 403.
            let sealed = try await api.store.driver.query("SELECT credentials FROM installations WHERE id = \(fixture.installation)")
                .first?.optionalString("credentials")
            _ = try await api.store.driver.query("UPDATE installations SET credentials = 'not sealed' WHERE id = \(fixture.installation)")
            #expect(try await api.call(.post, path, token: other, json: "{}").status == 404)
            #expect(try await api.call(.post, path, token: reader, json: "{}").status == 403)
            #expect(try await api.call(.post, path, token: api.adminToken, json: "{}").status >= 500)
            _ = try await api.store.driver.query("UPDATE installations SET credentials = \(sealed) WHERE id = \(fixture.installation)")
            // Credentials of the wrong shape; an authorize on an integration without OAuth; a callback without its state.
            let install = "/v1/organizations/\(fixture.organization)/integrations/\(fixture.integration)/installations"
            let child = try await api.organization("Child", parent: fixture.organization)
            let shaped = try await api.admin(.post, install, ["organizationId": .string(child), "credentials": "k"])
            #expect(shaped.status == 422 && shaped.text.contains("/credentials"), "\(shaped.text)")
            let typed = try await api.admin(.post, install, ["organizationId": .string(child), "credentials": ["apiKey": 5]])
            #expect(typed.status == 422 && typed.text.contains("/credentials/apiKey"), "\(typed.text)")
            #expect(try await api.admin(.get, install).json["data"]?.array.count == 1, "nothing was installed in the child")
            let authorize = "/v1/organizations/\(fixture.organization)/installations/\(fixture.installation)/oauth/authorize"
            #expect(try await api.admin(.get, authorize).status == 409)
            #expect(try await api.call(.get, "/oauth/callback?code=abc").status == 400)
            #expect(try await api.call(.get, "/oauth/callback?state=\(String(repeating: "s", count: 5000))&code=x").status == 400)
            // Mapping settings that name nothing usable.
            let mapping = "/v1/organizations/\(fixture.organization)/installations/\(fixture.installation)/organization-mapping"
            let badMapping = try await api.admin(.put, mapping, ["actionId": "act_nope", "idKey": "a..b", "nameKey": "", "parameter": ""])
            let mappingPointers = Set(badMapping.json["errors"]?.array.compactMap { $0["pointer"]?.string } ?? [])
            #expect(mappingPointers == ["/actionId", "/idKey", "/nameKey", "/parameter"], "\(badMapping.text)")
            #expect(try await api.admin(.get, mapping).json["settings"] == .null)
        },
        E2ECase("installations: drafts, reach, duplicates, credentials and the SSRF guard") { api, _ in
            let parent = try await api.organization("Parent")
            let child = try await api.organization("Child", parent: parent)
            let sibling = try await api.organization("Sibling")
            let created = try await api.admin(.post, "/v1/organizations/\(parent)/integrations", ["name": "Keyed"])
            let integration = try #require(created.json["id"]?.string)
            let settings: JSONValue = ["baseUrl": "http://127.0.0.1:9/", "auth": ["type": "apiKey"], "pagination": ["type": "none"]]
            #expect(try await api.admin(.patch, "/v1/organizations/\(parent)/integrations/\(integration)", ["api": settings]).status == 200)
            let badSettings = try await api.admin(
                .patch, "/v1/organizations/\(parent)/integrations/\(integration)",
                [
                    "api": [
                        "auth": ["type": "oauth2", "refreshBufferSeconds": 5, "colour": "red"], "pagination": ["type": "pointer", "pageLimit": 50],
                    ]
                ])
            #expect(badSettings.status == 422 && badSettings.text.contains("/api/auth/colour"), "\(badSettings.text)")
            let invalidRanges = try await api.admin(
                .patch, "/v1/organizations/\(parent)/integrations/\(integration)",
                ["api": ["auth": ["type": "oauth2", "refreshBufferSeconds": 5], "pagination": ["type": "pointer", "pageLimit": 50]]])
            let rangePointers = Set(invalidRanges.json["errors"]?.array.compactMap { $0["pointer"]?.string } ?? [])
            #expect(
                rangePointers.isSuperset(of: [
                    "/api/auth/grantType", "/api/auth/tokenUrl", "/api/auth/refreshBufferSeconds", "/api/pagination/pageLimit",
                    "/api/pagination/afterParam", "/api/pagination/pointerPath",
                ]), "\(rangePointers)")
            let path = "/v1/organizations/\(parent)/integrations/\(integration)/installations"
            let draft = try await api.admin(.post, path, ["credentials": ["apiKey": "k"]])
            #expect(draft.status == 409, "\(draft.text)")
            #expect(try await api.admin(.post, "/v1/organizations/\(parent)/integrations/\(integration)/finalize").status == 200)
            #expect(try await api.admin(.post, path, ["organizationId": .string(sibling), "credentials": ["apiKey": "k"]]).status == 422)
            let noKey = try await api.admin(.post, path, ["organizationId": .string(child), "credentials": ["password": "x", "token": "y"]])
            #expect(noKey.status == 422 && noKey.text.contains("/credentials/apiKey") && noKey.text.contains("/credentials/token"))
            let installed = try await api.admin(.post, path, ["organizationId": .string(child), "credentials": ["apiKey": "k"]])
            #expect(installed.status == 201 && installed.json["organizationId"] == .string(child), "\(installed.text)")
            #expect(try await api.admin(.post, path, ["organizationId": .string(child), "credentials": ["apiKey": "k"]]).status == 409)
            let listed = try await api.admin(.get, path)
            #expect(listed.json["data"]?.array.count == 1 && !listed.text.contains("\"k\""))
            // Without --allow-private-targets, a run to a loopback address is refused before any connection.
            let installation = try #require(installed.json["id"]?.string)
            let action = try await api.admin(.post, "/v1/organizations/\(parent)/integrations/\(integration)/actions", getAction("Ping", "/ping"))
            let actionId = try #require(action.json["id"]?.string)
            let refused = try await api.admin(.post, "/v1/organizations/\(child)/installations/\(installation)/actions/\(actionId)/run", [:])
            #expect(refused.status == 422 && refused.text.contains("refused"), "\(refused.text)")
            // The installation is reached through the organization it is installed in, not another.
            #expect(try await api.admin(.get, "/v1/organizations/\(sibling)/installations/\(installation)").status == 404)
            let events = try await api.admin(.get, "/v1/organizations/\(child)/events?type=integration.installed")
            #expect(events.json["data"]?.array.count == 1)
            #expect(try await api.admin(.delete, "/v1/organizations/\(child)/installations/\(installation)").status == 204)
            #expect(try await api.admin(.get, "/v1/organizations/\(child)/installations/\(installation)").status == 404)
        },
    ]
}
