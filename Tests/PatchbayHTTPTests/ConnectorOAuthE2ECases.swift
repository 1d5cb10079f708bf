import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import PatchbayApp
import PatchbayCore
import PatchbayTestSupport
import Testing

extension E2ECase {
    static func oauthSettings(_ port: Int, grant: String) -> JSONValue {
        [
            "baseUrl": .string("http://127.0.0.1:\(port)"),
            "auth": [
                "type": "oauth2", "grantType": .string(grant), "authorizationUrl": .string("http://127.0.0.1:\(port)/authorize"),
                "tokenUrl": .string("http://127.0.0.1:\(port)/token"), "scope": "read write", "basicAuthOnExchange": true,
                "extraAuthorizationParams": ["prompt": "consent"],
            ],
            "pagination": ["type": "none"],
        ]
    }

    /// Follows the provider's authorization page (it redirects at once) and returns the callback's path and query.
    static func authorizeAtProvider(_ url: String, server: OAuthTestServer) async throws -> (callback: String, redirectURI: String) {
        let redirectURI = try #require(QueryString(url: url).value("redirect_uri"))
        server.register(redirectURI: redirectURI)
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        // A browser would follow the redirect; the test stops there to look at it.
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(5))
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
        let location = try #require(response.headers.first(name: "location"), "status \(response.status)")
        let components = try #require(URLComponents(string: location))
        return (components.path + "?" + (components.percentEncodedQuery ?? ""), redirectURI)
    }

    /// An installed OAuth integration with one action, `Me` (`GET /api/me`), and the test server's client.
    static func oauthFixture(_ api: APIClient, server: OAuthTestServer, settings: JSONValue) async throws -> ConnectorFixture {
        let options = server.options
        return try await api.connector(
            api: settings, actions: [getAction("Me", "/api/me")],
            credentials: ["clientId": .string(options.clientId), "clientSecret": .string(options.clientSecret)])
    }

    /// Runs the Me action `count` times at once; how many answered 200.
    static func concurrentRuns(_ count: Int, _ api: APIClient, _ fixture: ConnectorFixture) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            // Each run on its own connection: the test client sends one request at a time, so 50 runs through it were
            // neither concurrent nor within its 20 s read timeout on a loaded machine.
            for _ in 0..<count {
                group.addTask {
                    var request = HTTPClientRequest(url: "http://127.0.0.1:\(api.port)" + fixture.runPath("Me"))
                    request.method = .POST
                    request.headers.add(name: "Authorization", value: "Bearer \(api.adminToken)")
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(ByteBuffer(string: "{}"))
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
                    let body = try await response.body.collect(upTo: 1 << 20)
                    let json = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))
                    return response.status.code == 200 && json["status"] == 200 ? 1 : 0
                }
            }
            var succeeded = 0
            for try await result in group { succeeded += result }
            return succeeded
        }
    }

    static let connectorOAuth: [E2ECase] = [
        E2ECase(
            "OAuth 2.0 authorization code with PKCE: authorize, callback, refresh with rotation, invalid_grant", configure: connectorConfiguration
        ) {
            api, clock in
            let server = OAuthTestServer(clock: clock)
            try await server.run { port in
                let fixture = try await oauthFixture(api, server: server, settings: oauthSettings(port, grant: "authorization_code"))
                let installationPath = "/v1/organizations/\(fixture.organization)/installations/\(fixture.installation)"
                #expect(try await api.admin(.get, installationPath).json["state"] == "authorization_required")
                let early = try await api.run(fixture, "Me")
                #expect(early.status == 409 && early.text.contains("oauth/authorize"), "\(early.text)")

                // The authorize redirect carries PKCE S256, state, scope and the extra parameters.
                let redirect = try await api.admin(.get, installationPath + "/oauth/authorize")
                #expect(redirect.status == 302, "\(redirect.text)")
                let location = try #require(redirect.header("Location"))
                let query = QueryString(url: location)
                #expect(query.value("response_type") == "code" && query.value("code_challenge_method") == "S256")
                #expect(query.value("code_challenge")?.count == 43 && (query.value("state")?.count ?? 0) >= 43)
                #expect(query.value("scope") == "read write" && query.value("prompt") == "consent")

                // A code obtained for one authorization request does not complete another (PKCE binds it).
                let other = try #require(try await api.admin(.get, installationPath + "/oauth/authorize").header("Location"))
                let (callback, _) = try await authorizeAtProvider(location, server: server)
                let code = try #require(QueryString(url: callback).value("code"))
                let otherState = try #require(QueryString(url: other).value("state"))
                let swapped = try await api.call(.get, "/oauth/callback?state=\(otherState)&code=\(code)")
                #expect(swapped.status == 502 && swapped.text.contains("invalid_grant"), "\(swapped.text)")

                // The provider spent that code; a fresh authorization completes.
                let fresh = try #require(try await api.admin(.get, installationPath + "/oauth/authorize").header("Location"))
                let (goodCallback, _) = try await authorizeAtProvider(fresh, server: server)
                let completed = try await api.call(.get, goodCallback)
                #expect(completed.status == 200 && completed.json["state"] == "ready", "\(completed.text)")
                #expect(try await api.call(.get, goodCallback).status == 400, "a state works once")
                let exchange = try #require(server.tokenRequests.last)
                #expect(exchange["grant_type"] == "authorization_code" && exchange["client_secret"] == nil)
                // RFC 6749 §2.3.1: id and secret are form-encoded, then joined and Base64-encoded.
                let formEncoded = "client-1:s3cret+value%3Awith%2Fodd%2Bchars"
                #expect(exchange["authorization"] == "Basic " + Data(formEncoded.utf8).base64EncodedString())

                let me = try await api.run(fixture, "Me")
                #expect(me.json["status"] == 200, "\(me.text)")
                #expect(server.grants("refresh_token") == 0)

                // Inside the refresh buffer (default 300 s), the token is refreshed first; the new refresh token replaces the old.
                clock.advance(byMillis: (3600 - 200) * 1000)
                #expect(try await api.run(fixture, "Me").json["status"] == 200)
                #expect(server.grants("refresh_token") == 1)
                clock.advance(byMillis: 3600 * 1000)
                #expect(try await api.run(fixture, "Me").json["status"] == 200)
                #expect(server.grants("refresh_token") == 2, "the rotated refresh token was used")

                // Replaying the spent code is refused, and the provider revokes every token that descends from it
                // (RFC 6749 §4.1.2). The next run's token is refused (401), the refresh finds its grant gone:
                // invalid_grant → reauthorization_required, with an event, once.
                let spentCode = try #require(QueryString(url: goodCallback).value("code"))
                let replay = try #require(try await api.admin(.get, installationPath + "/oauth/authorize").header("Location"))
                let replayState = try #require(QueryString(url: replay).value("state"))
                let replayed = try await api.call(.get, "/oauth/callback?state=\(replayState)&code=\(spentCode)")
                #expect(replayed.status == 502 && replayed.text.contains("invalid_grant"), "\(replayed.text)")
                let refused = try await api.run(fixture, "Me")
                #expect(refused.status == 409 && refused.text.contains("reauthorization"), "\(refused.text)")
                #expect(server.grants("refresh_token") == 2, "the refresh after the 401 was refused, not granted")
                let state = try await api.admin(.get, installationPath)
                #expect(state.json["state"] == "reauthorization_required" && state.json["stateReason"]?.string?.contains("invalid_grant") == true)
                #expect(try await api.run(fixture, "Me").status == 409)
                let events = try await api.admin(.get, "/v1/organizations/\(fixture.organization)/events?type=integration.reauthorization_required")
                #expect(events.json["data"]?.array.count == 1, "\(events.text)")
            }
        },
        E2ECase(
            "OAuth 2.0 client credentials: 50 concurrent runs share one token request, and token endpoint failures are retried", heavy: true,
            configure: connectorConfiguration
        ) {
            api, clock in
            let server = OAuthTestServer(clock: clock)
            try await server.run { port in
                let fixture = try await oauthFixture(api, server: server, settings: oauthSettings(port, grant: "client_credentials"))
                server.setTokenDelay(200)
                server.failNextTokenRequests([(503, nil), (429, "0")])
                #expect(try await concurrentRuns(50, api, fixture) == 50)
                #expect(server.grants("client_credentials") == 1, "one token for 50 concurrent runs")
                #expect(server.tokenRequests.count == 1, "the 503 and 429 were retried (\(server.tokenRequests.count) requests served)")
                #expect(server.tokenRequests.first?["scope"] == "read write")
                clock.advance(byMillis: 3600 * 1000)
                #expect(try await concurrentRuns(50, api, fixture) == 50)
                #expect(server.grants("client_credentials") == 2, "one new token once the first expired")
            }
        },
        E2ECase(
            "tokens are refreshed in the background when the custom interval has passed, without a run",
            configure: { configuration in
                connectorConfiguration(&configuration)
                configuration.connectors.refreshScanMillis = 50
            }
        ) { api, clock in
            let server = OAuthTestServer(clock: clock)
            try await server.run { port in
                var settings = oauthSettings(port, grant: "client_credentials")
                if case .object(var members) = settings, case .object(var auth)? = members["auth"] {
                    auth["refreshStrategy"] = "interval"
                    auth["refreshIntervalSeconds"] = 600
                    members["auth"] = .object(auth)
                    settings = .object(members)
                }
                let fixture = try await oauthFixture(api, server: server, settings: settings)
                #expect(try await api.run(fixture, "Me").json["status"] == 200)
                #expect(server.grants("client_credentials") == 1)
                clock.advance(byMillis: 599_000)
                try await Task.sleep(for: .milliseconds(300))
                #expect(server.grants("client_credentials") == 1, "not due yet")
                clock.advance(byMillis: 2_000)
                let deadline = ContinuousClock.now + .seconds(10)
                while server.grants("client_credentials") < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                #expect(server.grants("client_credentials") == 2, "the refresher took a new token on its own")
                #expect(try await api.run(fixture, "Me").json["status"] == 200)
                #expect(server.grants("client_credentials") == 2, "the run used the token the refresher stored")
            }
        },
        E2ECase(
            "Patchbay's own OpenAPI document imports, installs against the server and lists organizations over many pages",
            configure: connectorConfiguration
        ) { api, _ in
            let root = try await api.organization("Root")
            for index in 0..<10 { _ = try await api.organization("Child \(index)", parent: root) }
            let document = try await api.call(.get, "/v1/openapi.json")
            #expect(document.status == 200)
            let imported = try await api.call(
                .post, "/v1/organizations/\(root)/integrations/import", token: api.adminToken, json: document.text)
            try #require(imported.status == 201, "\(imported.text)")
            let integration = try #require(imported.json["id"]?.string)
            var settings = try #require(imported.json["api"])
            // The document's server is relative ("/"); point it at this server.
            if case .object(var members) = settings {
                members["baseUrl"] = .string("http://127.0.0.1:\(api.port)")
                settings = .object(members)
            }
            #expect(settings["auth"]?["type"] == "apiKey" && settings["auth"]?["preamble"] == "Bearer", "\(settings)")
            #expect(settings["pagination"]?["type"] != "none", "\(settings)")
            let patched = try await api.admin(.patch, "/v1/organizations/\(root)/integrations/\(integration)", ["api": settings])
            try #require(patched.status == 200, "\(patched.text)")
            #expect(try await api.admin(.post, "/v1/organizations/\(root)/integrations/\(integration)/finalize").status == 200)
            let token = try await api.token(in: root, scopes: ["organizations:read"])
            let installed = try await api.admin(
                .post, "/v1/organizations/\(root)/integrations/\(integration)/installations", ["credentials": ["apiKey": .string(token)]])
            try #require(installed.status == 201, "\(installed.text)")
            let installation = try #require(installed.json["id"]?.string)
            let action = try #require(imported.json["actions"]?.array.first { $0["operationId"] == "listOrganizations" })
            let actionId = try #require(action["id"]?.string)
            let run = try await api.admin(
                .post, "/v1/organizations/\(root)/installations/\(installation)/actions/\(actionId)/run",
                ["parameters": ["limit": 3], "paginate": true, "pageLimit": 20])
            #expect(run.status == 200 && run.json["status"] == 200, "\(run.text)")
            #expect((run.json["pages"].flatMap { if case .int(let pages) = $0 { pages } else { nil } } ?? 0) > 3, "\(run.json["pages"] ?? .null)")
            #expect(run.json["results"]?.array.count == 11, "the root and its 10 children, each once")
        },
    ]
}
