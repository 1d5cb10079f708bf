import Foundation
import PatchbayCore
import PatchbayTestSupport
import Testing

extension ConsoleBrowser {
    /// Posts a multipart form (the upload form): text fields, and files as (name, file name, bytes).
    mutating func upload(
        _ path: String, fields: [String: String], files: [(String, String, [UInt8])] = [], boundary: String = "----PatchbayTest7MA4YWxk"
    ) async throws -> APIResponse {
        var body: [UInt8] = []
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for (name, filename, bytes) in files {
            body += Array(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: application/json\r\n\r\n"
                    .utf8)
            body += bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        var headers = ["Content-Type": "multipart/form-data; boundary=\(boundary)", "Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"]
        if !cookies.isEmpty { headers["Cookie"] = cookieHeader }
        let response = try await api.post(path, bytes: body, headers: headers)
        remember(response)
        return response
    }
}

extension E2ECase {
    static let brokenDocument = """
        openapi: 3.0.3
        info:
          title: Broken
          version: "1"
        paths:
          /pets/{id}:
            get:
              operationId: getPet
              responses:
                "200":
                  description: ok
          /owners:
            get:
              operationId: getPet
              responses:
                "200":
                  description: ok
        """

    static let goodDocument = """
        {"openapi": "3.0.3", "info": {"title": "Zoo", "version": "1", "description": "Animals."},
         "servers": [{"url": "https://zoo.example.com/v1"}],
         "paths": {"/animals": {"get": {"operationId": "listAnimals", "summary": "List animals", "description": "All of them.",
           "responses": {"200": {"description": "ok"}}}}}}
        """

    static let consoleBuilder: [E2ECase] = [
        E2ECase("the builder saves each step, keeps refused input beside its field, and is 404 for another organization") { api, _ in
            let acme = try await api.organization("Acme")
            let globex = try await api.organization("Globex")
            var browser = ConsoleBrowser(api)
            let csrf = try await browser.signIn(try await api.token(in: acme))
            let made = try await browser.post(
                "/console/orgs/\(acme)/integrations", ["kind": "custom", "name": "Pets", "features": "actions"], csrf: csrf)
            let location = try #require(made.header("Location"))
            #expect(made.status == 303 && location.contains("/build/host"), "\(location)")
            let base = String(location.split(separator: "/build")[0])
            let integration = String(base.split(separator: "/").last ?? "")
            let bad = try await browser.post("\(base)/build/host", ["baseUrl": "ftp://pets.example", "nav": "next"], csrf: csrf)
            #expect(bad.status == 422 && bad.text.contains("value=\"ftp://pets.example\"") && bad.text.contains("aria-invalid=\"true\""))
            let host = try await browser.post("\(base)/build/host", ["baseUrl": "https://pets.example.com/v2", "nav": "next"], csrf: csrf)
            #expect(host.header("Location") == "\(base)/build/auth")
            // Choosing a method goes on to its defaults, where both are saved together.
            let auth = try await browser.post("\(base)/build/auth", ["auth": "apiKey", "nav": "next"], csrf: csrf)
            #expect(auth.header("Location") == "\(base)/build/auth-settings?choice=apiKey")
            let defaults = try await browser.get(try #require(auth.header("Location")))
            #expect(defaults.status == 200 && defaults.text.contains("name=\"choice\" value=\"apiKey\"") && defaults.text.contains("Test connection"))
            let unreadable = try await browser.post(
                "\(base)/build/auth-settings", ["choice": "apiKey", "in": "header", "headerName": "X Key", "extraHeaders": "oops"], csrf: csrf)
            #expect(unreadable.status == 422 && unreadable.text.contains("line 1 is not") && unreadable.text.contains("is not a valid header name"))
            let saved = try await browser.post(
                "\(base)/build/auth-settings",
                ["choice": "apiKey", "in": "header", "headerName": "X-Api-Key", "extraHeaders": "Accept: application/json", "nav": "next"], csrf: csrf
            )
            #expect(saved.header("Location") == "\(base)/build/pagination")
            _ = try await browser.post("\(base)/build/pagination", ["pagination": "page", "nav": "next"], csrf: csrf)
            let pages = try await browser.post(
                "\(base)/build/pagination-settings",
                ["choice": "page", "pageParam": "page", "pageSizeParam": "per_page", "defaultPageSize": "5000", "pageLimit": "3"], csrf: csrf)
            #expect(pages.status == 422 && pages.text.contains("must be from 1 to 1000"))
            let back = try await browser.post(
                "\(base)/build/pagination-settings",
                ["choice": "page", "pageParam": "page", "pageSizeParam": "per_page", "defaultPageSize": "50", "pageLimit": "3", "nav": "back"],
                csrf: csrf)
            #expect(back.header("Location") == "\(base)/build/pagination")
            let stored = try await api.admin(.get, "/v1/organizations/\(acme)/integrations/\(integration)").json["api"]
            #expect(stored?["baseUrl"] == "https://pets.example.com/v2" && stored?["auth"]?["headerName"] == "X-Api-Key")
            #expect(stored?["auth"]?["extraHeaders"] == ["Accept": "application/json"])
            #expect(stored?["pagination"]?["type"] == "page" && stored?["pagination"]?["defaultPageSize"] == 50)
            // Another organization's session finds nothing and changes nothing.
            var outsider = ConsoleBrowser(api)
            let outsiderCSRF = try await outsider.signIn(try await api.token(in: globex))
            for path in ["\(base)/build/host", "/console/orgs/\(globex)/integrations/\(integration)/build/host", "\(base)/actions"] {
                #expect(try await outsider.get(path).status == 404, "\(path)")
            }
            let sneaky = try await outsider.post("\(base)/build/host", ["baseUrl": "https://evil.example.com", "nav": "next"], csrf: outsiderCSRF)
            #expect(sneaky.status == 404)
            #expect(try await outsider.post("\(base)/actions/add", [:], csrf: outsiderCSRF).status == 404)
            #expect(try await api.admin(.get, "/v1/organizations/\(acme)/integrations/\(integration)").json["api"]?["baseUrl"] == stored?["baseUrl"])
            // Actions: added with free names, renamed by a previewed regex, deleted after a confirmation.
            for _ in 0..<2 { #expect(try await browser.post("\(base)/actions/add", [:], csrf: csrf).status == 303) }
            let preview = try await browser.post("\(base)/actions/rename", ["pattern": "New (.*)", "replacement": "Made $1"], csrf: csrf)
            #expect(preview.status == 200 && preview.text.contains("<td>New Action 2</td><td>Made Action 2</td>"))
            let names = { () async throws -> [String] in
                try await api.admin(.get, "/v1/organizations/\(acme)/integrations/\(integration)/actions").json["data"]?.array
                    .compactMap { $0["name"]?.string }.sorted() ?? []
            }
            #expect(try await names() == ["New Action", "New Action 2"])
            let applied = try await browser.post(
                "\(base)/actions/rename", ["pattern": "New (.*)", "replacement": "Made $1", "nav": "apply"], csrf: csrf)
            #expect(applied.status == 303)
            #expect(try await names() == ["Made Action", "Made Action 2"])
            // Search and the method filter narrow the editor's list on the server.
            #expect(try await browser.get("\(base)/actions?q=action+2").text.contains("Made Action 2"))
            #expect(!(try await browser.get("\(base)/actions?q=action+2").text.contains(">Made Action</span>")))
            #expect(try await browser.get("\(base)/actions?method=POST").text.contains("No action with that method"))
            #expect(try await browser.get("\(base)/actions?method=get").text.contains(">Made Action</span>"))
            let slow = try await browser.post("\(base)/actions/rename", ["pattern": "(a|aa)*(", "replacement": "x"], csrf: csrf)
            #expect(slow.status == 422)
            // Finalizing asks first; afterwards the method cannot change.
            #expect(try await browser.post("\(base)/build/finalize", ["status": "published", "nav": "finalize"], csrf: csrf).status == 200)
            let finalized = try await browser.post(
                "\(base)/build/finalize", ["status": "published", "nav": "finalize", "confirmed": "yes"], csrf: csrf)
            #expect(finalized.header("Location") == "\(base)?done=finalized")
            let change = try await browser.post("\(base)/build/auth-settings", ["choice": "basic", "nav": "next"], csrf: csrf)
            #expect(change.status == 422 && change.text.contains("cannot change once the integration is finalized"))
            #expect(
                try await api.admin(.patch, "/v1/organizations/\(acme)/integrations/\(integration)", ["api": ["auth": ["type": "none"]]]).status
                    == 422)
        },
        E2ECase("an OpenAPI upload lists its problems by rule with lines and imports only when nothing blocks it") { api, _ in
            let acme = try await api.organization("Acme")
            var browser = ConsoleBrowser(api)
            let csrf = try await browser.signIn(try await api.token(in: acme))
            let path = "/console/orgs/\(acme)/integrations/import"
            #expect(try await browser.get(path).text.contains("enctype=\"multipart/form-data\""))
            let count = { () async throws -> Int in
                try await api.admin(.get, "/v1/organizations/\(acme)/integrations").json["data"]?.array.count ?? -1
            }
            let broken = try await browser.upload(path, fields: ["csrf": csrf], files: [("document", "broken.yaml", Array(brokenDocument.utf8))])
            #expect(broken.status == 422)
            #expect(broken.text.contains("operation-operationId-unique") && broken.text.contains("path-params"))
            #expect(broken.text.contains("line 14:") && broken.text.contains("class=\"current\"><span class=\"line-number\">14</span>"))
            #expect(try await count() == 0)
            // Nothing chosen, or both: a message on the form.
            let none = try await browser.upload(path, fields: ["csrf": csrf, "pasted": " "])
            #expect(none.status == 422 && none.text.contains("Choose a file"))
            let both = try await browser.upload(
                path, fields: ["csrf": csrf, "pasted": goodDocument], files: [("document", "good.json", Array(goodDocument.utf8))])
            #expect(both.status == 422 && both.text.contains("not both"))
            #expect(try await count() == 0)
            // No token, or from another site: refused before the document is read.
            #expect(try await browser.upload(path, fields: ["pasted": goodDocument]).status == 403)
            let pasted = try await browser.upload(path, fields: ["csrf": csrf, "pasted": goodDocument, "bot": "yes"])
            #expect(pasted.status == 303 && (pasted.header("Location") ?? "").contains("/build/details?done=imported"), "\(pasted.text.prefix(500))")
            let imported = try #require(try await api.admin(.get, "/v1/organizations/\(acme)/integrations").json["data"]?.array.first)
            #expect(imported["name"] == "Zoo" && imported["bot"] == true && imported["status"] == "draft")
            // Re-importing a newer document: the diff first (names kept), then Apply, once, by this session only.
            let zoo = try #require(imported["id"]?.string)
            let actionsPath = "/v1/organizations/\(acme)/integrations/\(zoo)/actions"
            let listAnimals = try #require(try await api.admin(.get, actionsPath).json["data"]?.array.first?["id"]?.string)
            #expect(try await api.admin(.patch, "\(actionsPath)/\(listAnimals)", ["name": "All animals"]).status == 200)
            let newer = goodDocument.replacingOccurrences(
                of: #""responses": {"200": {"description": "ok"}}}}}}"#,
                with:
                    #""parameters": [{"name": "kind", "in": "query", "schema": {"type": "string"}}], "responses": {"200": {"description": "ok"}}}},"#
                    + #" "/animals/{id}": {"get": {"operationId": "getAnimal", "summary": "One animal", "description": "By id.", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": {"200": {"description": "ok"}}}}}}"#
            )
            let reimport = "/console/orgs/\(acme)/integrations/\(zoo)/reimport"
            let diff = try await browser.upload(reimport, fields: ["csrf": csrf, "pasted": newer])
            #expect(diff.status == 200 && diff.text.contains("1 added · 0 removed · 1 changed"), "\(diff.text.suffix(2000))")
            #expect(diff.text.contains("All animals") && diff.text.contains("parameters"))
            let upload = try #require(
                diff.text.range(of: #"name="upload" value="[^"]+""#, options: .regularExpression).map {
                    String(diff.text[$0]).split(separator: "\"")[3]
                })
            #expect(try await api.admin(.get, actionsPath).json["data"]?.array.count == 1)
            var stranger = ConsoleBrowser(api)
            let strangerCSRF = try await stranger.signIn(try await api.token(in: acme))
            #expect(try await stranger.post("\(reimport)/apply", ["upload": String(upload)], csrf: strangerCSRF).status == 422)
            let applied = try await browser.post("\(reimport)/apply", ["upload": String(upload)], csrf: csrf)
            #expect(applied.status == 303)
            let after = try await api.admin(.get, actionsPath).json["data"]?.array ?? []
            #expect(after.compactMap { $0["name"]?.string }.sorted() == ["All animals", "Get Animal"])
            #expect(after.first { $0["name"] == "All animals" }?["parameters"]?.array.count == 1)
            #expect(try await browser.post("\(reimport)/apply", ["upload": String(upload)], csrf: csrf).status == 422)
            // A body that is not multipart, or a broken one, is a clear 4xx.
            var malformed = try await browser.post(path, ["pasted": "x"], csrf: csrf)
            #expect(malformed.status == 415)
            malformed = try await api.post(
                path, bytes: Array("--XyZ\r\nno headers end".utf8),
                headers: [
                    "Content-Type": "multipart/form-data; boundary=XyZ", "Cookie": browser.cookieHeader, "Origin": "http://localhost",
                    "Sec-Fetch-Site": "same-origin",
                ])
            #expect(malformed.status == 400 && malformed.text.contains("not a well-formed multipart form"))
        },
        E2ECase(
            "install through the console, preview pages and test a connection with typed keys, and run an action", configure: connectorConfiguration
        ) {
            api, _ in
            let paged = PagedTestAPI()
            try await paged.run { port in
                let org = try await api.organization("Acme")
                let settings: JSONValue = [
                    "baseUrl": .string("http://127.0.0.1:\(port)"), "auth": ["type": "apiKey", "headerName": "X-Api-Key"],
                    "pagination": ["type": "page", "resultsKey": "results", "pageSizeParam": "per_page", "defaultPageSize": 10, "pageParam": "page"],
                ]
                let created = try await api.admin(.post, "/v1/organizations/\(org)/integrations", ["name": "Paged"])
                let integration = try #require(created.json["id"]?.string)
                #expect(try await api.admin(.patch, "/v1/organizations/\(org)/integrations/\(integration)", ["api": settings]).status == 200)
                let action = try #require(
                    try await api.admin(
                        .post, "/v1/organizations/\(org)/integrations/\(integration)/actions", getAction("List", "/page", paginated: true)
                    )
                    .json["id"]?.string)
                var browser = ConsoleBrowser(api)
                let csrf = try await browser.signIn(try await api.token(in: org))
                let base = "/console/orgs/\(org)/integrations/\(integration)"
                // Pages 1 and 2 with the items found and the next page; the typed key went in its header, and is shown nowhere.
                let preview = try await browser.post("\(base)/build/preview-pages", ["actionId": action, "apiKey": "typed-key-1"], csrf: csrf)
                #expect(preview.status == 200, "\(preview.text.prefix(300))")
                #expect(preview.text.contains("Page 2") && preview.text.contains("10 items") && preview.text.contains("Next:"))
                #expect(preview.text.contains("page=2") && !preview.text.contains("typed-key-1"))
                #expect(paged.requests(to: "/page").count == 2 && paged.requests(to: "/page").allSatisfy { $0.headers["x-api-key"] == "typed-key-1" })
                let before = paged.requests(to: "/page").count
                let test = try await browser.post("\(base)/build/test-connection", ["actionId": action, "apiKey": ""], csrf: csrf)
                #expect(test.status == 422 && test.text.contains("apiKey"))
                // Try it beside the action in the editor: the request as built, and the response.
                let tried = try await browser.post("\(base)/actions/\(action)/try", ["apiKey": "typed-key-3"], csrf: csrf)
                #expect(tried.status == 200 && tried.text.contains("Request: <code class=\"wrap\">GET http://127.0.0.1:\(port)/page"))
                #expect(tried.text.contains("Item 1") && !tried.text.contains("typed-key-3"), "\(tried.text.suffix(1500))")
                #expect(paged.requests(to: "/page").last?.headers["x-api-key"] == "typed-key-3")
                // Installing needs a published integration; the console installs it with the key, then runs the action.
                _ = try await api.admin(.post, "/v1/organizations/\(org)/integrations/\(integration)/finalize")
                let page = try await browser.get(base)
                #expect(page.text.contains("id=\"install-apiKey\""))
                let installed = try await browser.post("\(base)/install", ["organizationId": org, "apiKey": "stored-key-2"], csrf: csrf)
                let installationPath = try #require(installed.header("Location")?.split(separator: "?").first.map(String.init))
                #expect(installed.status == 303 && installationPath.contains("/installations/ins_"))
                let chosen = try await browser.get("\(installationPath)?action=\(action)")
                #expect(chosen.status == 200 && chosen.text.contains("Follow pages"))
                let run = try await browser.post(
                    "\(installationPath)/run", ["action": action, "paginate": "yes", "pageLimit": "2"], csrf: csrf)
                #expect(run.status == 200 && run.text.contains("20 results") && run.text.contains("2 page(s)"), "\(run.text.suffix(1500))")
                #expect(paged.requests(to: "/page").suffix(2).allSatisfy { $0.headers["x-api-key"] == "stored-key-2" })
                #expect(paged.requests(to: "/page").count == before + 3)
                // A session without actions:run cannot run an action through the page, form or not.
                let readOnly = try await api.admin(
                    .post, "/v1/organizations/\(org)/tokens", ["name": "Reader", "scopes": ["integrations:read", "organizations:read"]])
                var reader = ConsoleBrowser(api)
                let readerCSRF = try await reader.signIn(try #require(readOnly.json["token"]?.string, "\(readOnly.text)"))
                let beforeReader = paged.requests(to: "/page").count
                let forbidden = try await reader.post("\(installationPath)/run", ["action": action], csrf: readerCSRF)
                #expect(forbidden.status == 403 && paged.requests(to: "/page").count == beforeReader, "\(forbidden.status)")
                #expect(!(try await reader.get("\(installationPath)?action=\(action)")).text.contains(">Run</button>"))
                let refused = try await browser.post("\(installationPath)/run", ["action": action, "paginate": "yes", "pageLimit": "99"], csrf: csrf)
                #expect(refused.status == 422 && refused.text.contains("must be from 1 to 20"))
                // Organization mapping: the list action's items matched to child organizations by name, then kept.
                let child = try await api.organization("Item 2", parent: org)
                _ = try await api.organization("Nobody", parent: org)
                let settingsSaved = try await browser.post(
                    "\(installationPath)/mapping/settings", ["actionId": action, "idKey": "id", "nameKey": "name", "parameter": "company"],
                    csrf: csrf)
                #expect(settingsSaved.status == 303)
                let suggested = try await browser.post("\(installationPath)/mapping/suggest", [:], csrf: csrf)
                #expect(suggested.status == 200 && suggested.text.contains("Save mapping") && suggested.text.contains("no match"))
                let row = try #require(
                    suggested.text.range(of: #"name="org\.(\d+)" value="\#(child)""#, options: .regularExpression).map {
                        String(suggested.text[$0]).split(separator: ".")[1].split(separator: "\"")[0]
                    })
                let kept = try await browser.post(
                    "\(installationPath)/mapping/entries",
                    ["accept": String(row), "org.\(row)": child, "id.\(row)": "2", "name.\(row)": "Item 2"], csrf: csrf)
                #expect(kept.status == 303)
                let installationId = String(installationPath.split(separator: "/").last ?? "")
                let mapping = try await api.admin(.get, "/v1/organizations/\(org)/installations/\(installationId)/organization-mapping").json
                #expect(mapping["entries"]?.array.first?["organizationId"]?.string == child && mapping["settings"]?["parameter"] == "company")
                let badKeys = try await browser.post(
                    "\(installationPath)/mapping/settings", ["actionId": action, "idKey": "", "nameKey": "name", "parameter": "company"], csrf: csrf)
                #expect(badKeys.status == 422 && badKeys.text.contains("dotted path"))
                // A second install into the same organization is a message on the page, not an error page.
                let twice = try await browser.post("\(base)/install", ["organizationId": org, "apiKey": "k"], csrf: csrf)
                #expect(twice.status == 422 && twice.text.contains("already installed"))
            }
        },
        E2ECase("Connect sends the browser to the provider and the callback brings it back to the installation", configure: connectorConfiguration) {
            api, clock in
            let server = OAuthTestServer(clock: clock)
            try await server.run { port in
                let fixture = try await oauthFixture(api, server: server, settings: oauthSettings(port, grant: "authorization_code"))
                var browser = ConsoleBrowser(api)
                let csrf = try await browser.signIn(try await api.token(in: fixture.organization))
                let page = "/console/orgs/\(fixture.organization)/installations/\(fixture.installation)"
                #expect(try await browser.get(page).text.contains(">Connect</button>"))
                let connect = try await browser.post("\(page)/connect", [:], csrf: csrf)
                let location = try #require(connect.header("Location"))
                #expect(connect.status == 303 && location.hasPrefix("http://127.0.0.1:\(port)/authorize?"))
                let (callback, _) = try await authorizeAtProvider(location, server: server)
                let back = try await api.call(.get, callback, headers: ["Accept": "text/html,application/xhtml+xml"])
                #expect(back.status == 303 && back.header("Location") == "\(page)?done=connected", "\(back.text)")
                #expect(
                    try await api.admin(.get, "/v1/organizations/\(fixture.organization)/installations/\(fixture.installation)").json["state"]
                        == "ready")
                #expect(try await browser.get(page).text.contains("ready"))
            }
        },
    ]
}
