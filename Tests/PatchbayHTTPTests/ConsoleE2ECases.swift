import Foundation
import PatchbayCore
import PatchbayTestSupport
import Testing

/// A browser as the console sees one: a cookie jar, and forms posted with their CSRF token from this origin.
struct ConsoleBrowser {
    let api: APIClient
    var cookies: [String: String] = [:]
    /// Every Set-Cookie line received, as sent.
    var setCookies: [String] = []
    /// What `Origin` and `Sec-Fetch-Site` a form post carries.
    enum Site { case sameOrigin, nullOriginSameSite, nullOriginAlone, otherSite }

    init(_ api: APIClient) { self.api = api }

    var cookieHeader: String { cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }

    mutating func remember(_ response: APIResponse) {
        for field in response.headers where field.name.canonicalName == "set-cookie" {
            setCookies.append(field.value)
            let pair = field.value.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            if pair[1].isEmpty { cookies.removeValue(forKey: String(pair[0])) } else { cookies[String(pair[0])] = String(pair[1]) }
        }
    }

    mutating func get(_ path: String) async throws -> APIResponse {
        let response = try await api.call(.get, path, headers: cookies.isEmpty ? [:] : ["Cookie": cookieHeader])
        remember(response)
        return response
    }

    /// Posts `fields` as a form, with the CSRF token of `page` (a path whose HTML holds the form) unless given.
    mutating func post(_ path: String, _ fields: [String: String], csrf: String?, site: Site = .sameOrigin) async throws -> APIResponse {
        var body = fields
        if let csrf { body["csrf"] = csrf }
        let encoded = body.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.encode($0.value))" }.joined(separator: "&")
        var headers = ["Content-Type": "application/x-www-form-urlencoded"]
        if !cookies.isEmpty { headers["Cookie"] = cookieHeader }
        switch site {
        case .sameOrigin:
            headers["Origin"] = "http://localhost"
            headers["Sec-Fetch-Site"] = "same-origin"
        case .nullOriginSameSite:
            headers["Origin"] = "null"
            headers["Sec-Fetch-Site"] = "same-origin"
        case .nullOriginAlone:
            headers["Origin"] = "null"
        case .otherSite:
            headers["Origin"] = "https://evil.example"
            headers["Sec-Fetch-Site"] = "cross-site"
        }
        let response = try await api.post(path, bytes: Array(encoded.utf8), headers: headers)
        remember(response)
        return response
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    static func csrf(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value="([^"]+)""#, options: .regularExpression) else { return nil }
        let match = html[range]
        return match.split(separator: "\"").dropFirst(3).first.map(String.init)
    }

    /// Signs in with `token` through the sign-in form; returns the session's CSRF token (from the landing page).
    mutating func signIn(_ token: String) async throws -> String {
        let form = try await get("/console/login")
        let response = try await post("/console/login", ["token": token], csrf: Self.csrf(in: form.text))
        try #require(response.status == 303, "sign-in answered \(response.status): \(response.text.prefix(300))")
        let landing = try await get(response.header("Location") ?? "/console")
        return try #require(Self.csrf(in: landing.text), "no CSRF token on \(response.header("Location") ?? "")")
    }
}

extension E2ECase {
    static let console: [E2ECase] = [
        E2ECase("console pages carry a strict CSP and the security headers, and the session cookie is HttpOnly and SameSite=Strict") { api, _ in
            var browser = ConsoleBrowser(api)
            let login = try await browser.get("/console/login")
            #expect(login.status == 200)
            let csp = try #require(login.header("Content-Security-Policy"))
            for directive in ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"] {
                #expect(csp.contains(directive), "\(csp)")
            }
            #expect(!csp.contains("unsafe-inline"))
            #expect(login.header("X-Frame-Options") == "DENY")
            #expect(login.header("Referrer-Policy") == "no-referrer")
            #expect(login.header("Cache-Control") == "no-store")
            #expect(!login.text.contains("<script>") && !login.text.contains("style=\""))
            _ = try await browser.signIn(api.adminToken)
            let cookie = try #require(browser.setCookies.first { $0.hasPrefix("pb_session=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/console"))
            // Assets are served with their own type and cached; an unknown asset is 404.
            #expect(try await api.call(.get, "/console/assets/console.css").header("Content-Type")?.hasPrefix("text/css") == true)
            #expect(try await api.call(.get, "/console/assets/nope.js").status == 404)
        },
        E2ECase("forms from another origin, without a CSRF token, or with a null Origin alone are refused and change nothing") { api, _ in
            let org = try await api.organization("Acme")
            let token = try await api.token(in: org)
            var browser = ConsoleBrowser(api)
            let csrf = try await browser.signIn(token)
            let tokens = "/console/orgs/\(org)/tokens"
            for (site, sendCSRF) in [(ConsoleBrowser.Site.otherSite, true), (.nullOriginAlone, true), (.sameOrigin, false)] {
                let refused = try await browser.post(tokens, ["name": "Sneaky"], csrf: sendCSRF ? csrf : "wrong", site: site)
                #expect(refused.status == 403, "\(site) csrf:\(sendCSRF) answered \(refused.status)")
            }
            // Oversized forms and forms of too many fields are refused before anything is read from them.
            #expect(try await browser.post(tokens, ["name": String(repeating: "x", count: 70_000)], csrf: csrf).status == 413)
            var crowded: [String: String] = [:]
            for index in 0..<600 { crowded["f\(index)"] = "1" }
            #expect(try await browser.post(tokens, crowded, csrf: csrf).status == 413)
            let listed = try await api.admin(.get, "/v1/organizations/\(org)/tokens").json["data"]?.array.compactMap { $0["name"]?.string } ?? []
            #expect(!listed.contains("Sneaky"))
            // A lifetime that is not one of the form's choices is refused, never read as "Never".
            let odd = try await browser.post(tokens, ["name": "Odd", "scopes": "*", "expiresIn": "99999999999999999999"], csrf: csrf)
            #expect(odd.status == 422 && odd.text.contains("choose one of the listed lifetimes"))
            // Chromium's same-origin form post under Referrer-Policy: no-referrer: Origin null, Sec-Fetch-Site same-origin.
            let made = try await browser.post(tokens, ["name": "Honest", "scopes": "*"], csrf: csrf, site: .nullOriginSameSite)
            #expect(made.status == 201, "\(made.text.prefix(300))")
            #expect(made.text.contains("id=\"secret-value\">pb_"))
            #expect(made.header("Cache-Control") == "no-store")
            // The secret is shown once: the list never carries it.
            let secret = try #require(made.text.range(of: #"pb_[0-9A-Za-z]{43}"#, options: .regularExpression).map { String(made.text[$0]) })
            #expect(!(try await browser.get(tokens)).text.contains(secret))
        },
        E2ECase("a console session does what its token could do over the API and no more; revoking the token ends it") { api, _ in
            let acme = try await api.organization("Acme")
            let globex = try await api.organization("Globex")
            let globexHook =
                try await api.admin(
                    .post, "/v1/organizations/\(globex)/webhooks", ["name": "Globex hook", "url": "https://hooks.example.com/g"]
                ).json["id"]?.string ?? ""
            let globexToken = try await api.admin(.post, "/v1/organizations/\(globex)/tokens", ["name": "Globex CI"]).json["id"]?.string ?? ""
            let globexIntegration =
                try await api.admin(.post, "/v1/organizations/\(globex)/integrations", ["name": "Globex app"]).json["id"]?.string ?? ""
            let token = try await api.token(in: acme)
            var browser = ConsoleBrowser(api)
            let csrf = try await browser.signIn(token)
            // Every page of another organization is 404, and shows nothing of it.
            for path in [
                "/console/orgs/\(globex)", "/console/orgs/\(globex)/tokens", "/console/orgs/\(globex)/webhooks",
                "/console/orgs/\(globex)/webhooks/\(globexHook)", "/console/orgs/\(acme)/webhooks/\(globexHook)",
                "/console/orgs/\(globex)/webhooks/\(globexHook)/rows", "/console/orgs/\(globex)/inbound", "/console/orgs/\(globex)/integrations",
                "/console/orgs/\(globex)/integrations/\(globexIntegration)", "/console/orgs/\(acme)/integrations/\(globexIntegration)",
                "/console/orgs/\(globex)/commands", "/console/orgs/\(globex)/tokens/\(globexToken)/rename",
            ] {
                let page = try await browser.get(path)
                #expect(page.status == 404, "\(path) answered \(page.status)")
                #expect(!page.text.contains("Globex"), "\(path) shows Globex")
            }
            // And every form aimed at it is 404 and changes nothing.
            for path in [
                "/console/orgs/\(globex)/tokens/\(globexToken)/revoke", "/console/orgs/\(acme)/tokens/\(globexToken)/revoke",
                "/console/orgs/\(globex)/webhooks/\(globexHook)/delete", "/console/orgs/\(acme)/webhooks/\(globexHook)/pause",
                "/console/orgs/\(globex)/integrations/\(globexIntegration)/delete",
            ] {
                let response = try await browser.post(path, ["confirmed": "yes"], csrf: csrf)
                #expect(response.status == 404, "\(path) answered \(response.status)")
            }
            #expect(try await api.admin(.get, "/v1/organizations/\(globex)/tokens/\(globexToken)").json["revokedAt"] == .null)
            #expect(try await api.admin(.get, "/v1/organizations/\(globex)/webhooks/\(globexHook)").json["state"] != "paused")
            #expect(try await api.admin(.get, "/v1/organizations/\(globex)/integrations/\(globexIntegration)").status == 200)

            // A token with webhooks:read only reads web hooks and nothing else.
            let reader = try await api.token(in: acme, scopes: ["webhooks:read"])
            var readerBrowser = ConsoleBrowser(api)
            let readerCSRF = try await readerBrowser.signIn(reader)
            #expect(try await readerBrowser.get("/console/orgs/\(acme)/webhooks").status == 200)
            #expect(try await readerBrowser.get("/console/orgs/\(acme)/tokens").status == 403)
            #expect(try await readerBrowser.get("/console/orgs/\(acme)/webhooks/new").status == 403)
            let denied = try await readerBrowser.post(
                "/console/orgs/\(acme)/webhooks", ["name": "x", "url": "https://hooks.example.com/x"], csrf: readerCSRF)
            #expect(denied.status == 403)

            // Revoking the session's token over the API ends the session at its next request.
            let tokenId = try #require(
                try await api.admin(.get, "/v1/organizations/\(acme)/tokens").json["data"]?.array.first { $0["scopes"] == ["*"] }?["id"]?.string)
            #expect(try await api.admin(.delete, "/v1/organizations/\(acme)/tokens/\(tokenId)").status == 204)
            let after = try await browser.get("/console/orgs/\(acme)/webhooks")
            #expect(after.status == 303 && after.header("Location")?.hasPrefix("/console/login") == true)
        },
        E2ECase("a portal link signs in once, to one organization, with its scopes; sessions end idle and at sign-out") { api, clock in
            let parent = try await api.organization("Host")
            let child = try await api.organization("Customer", parent: parent)
            let sibling = try await api.organization("Other customer", parent: parent)
            let link = try await api.admin(.post, "/v1/organizations/\(child)/console-links", ["expiresIn": 600, "scopes": ["webhooks:read"]])
            #expect(link.status == 201, "\(link.text)")
            let url = try #require(link.json["url"]?.string)
            #expect(link.json["expiresAt"]?.string != nil)
            let start = try #require(url.range(of: "/console/portal/")).lowerBound
            let path = String(url[start...])
            var browser = ConsoleBrowser(api)
            let landing = try await browser.get(path)
            #expect(landing.status == 200 && landing.text.contains("/console/orgs/\(child)"))
            #expect(browser.cookies["pb_session"] != nil)
            #expect(try await browser.get("/console/orgs/\(child)/webhooks").status == 200)
            #expect(try await browser.get("/console/orgs/\(child)/tokens").status == 403)
            #expect(try await browser.get("/console/orgs/\(sibling)/webhooks").status == 404)
            #expect(try await browser.get("/console/orgs/\(parent)/webhooks").status == 404)
            // Single use.
            var second = ConsoleBrowser(api)
            #expect(try await second.get(path).status == 410)
            #expect(second.cookies["pb_session"] == nil)
            // Bad requests for links: a lifetime out of range, a scope the maker lacks.
            #expect(try await api.admin(.post, "/v1/organizations/\(child)/console-links", ["expiresIn": 10]).status == 422)
            let narrow = try await api.token(in: child, scopes: ["tokens:write", "webhooks:read"])
            #expect(
                try await api.send(.post, "/v1/organizations/\(child)/console-links", token: narrow, ["scopes": ["webhooks:write"]]).status == 403)
            #expect(try await api.send(.post, "/v1/organizations/\(sibling)/console-links", token: narrow).status == 404)
            // An expired link does nothing.
            let short = try await api.admin(.post, "/v1/organizations/\(child)/console-links", ["expiresIn": 60]).json["url"]?.string ?? ""
            clock.advance(byMillis: 61_000)
            var late = ConsoleBrowser(api)
            #expect(try await late.get(String(short[short.range(of: "/console/portal/")!.lowerBound...])).status == 410)
            // Idle for more than 30 minutes: signed out.
            clock.advance(byMillis: 31 * 60_000)
            let idle = try await browser.get("/console/orgs/\(child)/webhooks")
            #expect(idle.status == 303 && idle.header("Location")?.hasPrefix("/console/login") == true)
            // Polling the live tail is not activity: a tab left open still goes idle.
            let watcher = try await api.token(in: child)
            var watching = ConsoleBrowser(api)
            _ = try await watching.signIn(watcher)
            let hook = try await api.admin(.post, "/v1/organizations/\(child)/webhooks", ["name": "W", "url": "https://hooks.example.com/w"])
            let rows = "/console/orgs/\(child)/webhooks/\(hook.json["id"]?.string ?? "")/rows"
            for _ in 0..<2 {
                clock.advance(byMillis: 10 * 60_000)
                #expect(try await watching.get(rows).status == 200)
            }
            clock.advance(byMillis: 11 * 60_000)
            #expect(try await watching.get(rows).status == 303)
            // Sign-out ends the session on the server, whatever the browser keeps.
            let token = try await api.token(in: child)
            var person = ConsoleBrowser(api)
            let csrf = try await person.signIn(token)
            let kept = person.cookies
            #expect(try await person.post("/console/logout", [:], csrf: csrf).status == 303)
            person.cookies = kept
            #expect(try await person.get("/console/orgs/\(child)").status == 303)
            // Signing out of a session that has already ended still clears the cookie.
            person.cookies = kept
            let again = try await person.post("/console/logout", [:], csrf: csrf)
            #expect(again.status == 303 && person.cookies["pb_session"] == nil)
        },
        E2ECase("web hooks through the console: add (secret and handshake shown once), event types, options, history filters, re-send") { api, _ in
            let org = try await api.organization("Acme")
            _ = try await api.admin(.post, "/v1/event-types", ["name": "order.created", "example": ["orderId": "o-1"]])
            var browser = ConsoleBrowser(api)
            let csrf = try await browser.signIn(api.adminToken)
            let bad = try await browser.post("/console/orgs/\(org)/webhooks", ["name": "", "url": "ftp://x"], csrf: csrf)
            #expect(bad.status == 422 && bad.text.contains("aria-invalid=\"true\""))
            let made = try await browser.post(
                "/console/orgs/\(org)/webhooks", ["name": "Orders", "url": "https://hooks.example.com/orders"], csrf: csrf)
            #expect(made.status == 303)
            let location = try #require(made.header("Location"))
            #expect(!location.contains("whsec_"))
            let hookPath = String(location.split(separator: "?")[0])
            let hook = String(hookPath.split(separator: "/").last ?? "")
            let first = try await browser.get(location)
            #expect(first.text.contains("id=\"secret-value\">whsec_") && first.text.contains("Handshake failed"))
            #expect(!(try await browser.get(location)).text.contains("id=\"secret-value\""))
            #expect((try await browser.get(hookPath)).text.contains("order.created"))
            #expect(try await browser.post("\(hookPath)/event-types", ["eventTypes": "order.created"], csrf: csrf).status == 303)
            #expect(
                try await browser.post("\(hookPath)/options", ["format": "json", "maxEventsPerRequest": "5", "verifyTls": "yes"], csrf: csrf).status
                    == 303)
            let saved = try await api.admin(.get, "/v1/organizations/\(org)/webhooks/\(hook)").json
            #expect(saved["eventTypes"] == ["order.created"] && saved["maxEventsPerRequest"] == 5)
            #expect(try await browser.post("\(hookPath)/options", ["format": "json", "maxEventsPerRequest": "500"], csrf: csrf).status == 422)
            _ = try await api.admin(.post, "/v1/organizations/\(org)/events", ["type": "order.created", "data": ["orderId": "needle-42"]])
            let history = try await browser.get("\(hookPath)?q=needle-42")
            #expect(history.status == 200 && history.text.contains("/deliveries/dlv_"))
            #expect(!(try await browser.get("\(hookPath)?q=haystack")).text.contains("/deliveries/dlv_"))
            #expect((try await browser.get("\(hookPath)?status=nonsense")).text.contains("Unknown status"))
            // The event type and the time range narrow the history through the deliveries' events, on both stores.
            #expect((try await browser.get("\(hookPath)?type=order.created")).text.contains("/deliveries/dlv_"))
            #expect(!(try await browser.get("\(hookPath)?type=user.created")).text.contains("/deliveries/dlv_"))
            #expect(!(try await browser.get("\(hookPath)?from=2100-01-01T00:00")).text.contains("/deliveries/dlv_"))
            #expect((try await browser.get("\(hookPath)?until=2100-01-01T00:00")).text.contains("/deliveries/dlv_"))
            #expect((try await browser.get("\(hookPath)?from=yesterday")).text.contains("is not a date and time"))
            #expect(try await browser.post("\(hookPath)/pause", [:], csrf: csrf).status == 303)
            #expect(try await api.admin(.get, "/v1/organizations/\(org)/webhooks/\(hook)").json["state"] == "paused")
            #expect(try await browser.post("\(hookPath)/resume", [:], csrf: csrf).status == 303)
            // Destructive forms without confirmation show a confirmation page and change nothing.
            let confirm = try await browser.post("\(hookPath)/delete", [:], csrf: csrf)
            #expect(confirm.status == 200 && confirm.text.contains(">Confirm</button>"))
            #expect(try await api.admin(.get, "/v1/organizations/\(org)/webhooks/\(hook)").status == 200)
            #expect(try await browser.post("\(hookPath)/delete", ["confirmed": "yes"], csrf: csrf).status == 303)
            #expect(try await api.admin(.get, "/v1/organizations/\(org)/webhooks/\(hook)").status == 404)
        },
        E2ECase("integrations through the console: a Turn-style endpoint integration's handshake and secret once, installations, uninstall") {
            api, _ in
            let acme = try await api.organization("Acme")
            let globex = try await api.organization("Globex")
            var browser = ConsoleBrowser(api)
            let csrf = try await browser.signIn(api.adminToken)
            let made = try await browser.post(
                "/console/orgs/\(acme)/integrations",
                ["kind": "endpoint", "name": "Turn", "url": "https://hooks.example.com/turn", "scheme": "Bearer", "token": "turn-secret-token-1"],
                csrf: csrf)
            #expect(made.status == 303)
            let location = try #require(made.header("Location"))
            let integration = String(location.split(separator: "?")[0].split(separator: "/").last ?? "")
            let page = try await browser.get(location)
            #expect(page.text.contains("id=\"secret-value\">whsec_") && page.text.contains("Handshake failed"))
            #expect(!page.text.contains("turn-secret-token-1"))
            #expect(!(try await browser.get(location)).text.contains("whsec_"))
            let stored = try await api.admin(.get, "/v1/organizations/\(acme)/integrations/\(integration)").json
            #expect(stored["endpoint"]?["url"] == "https://hooks.example.com/turn")
            // A custom integration with a bot user and chosen features.
            let custom = try await browser.post(
                "/console/orgs/\(acme)/integrations", ["kind": "custom", "name": "Bot", "bot": "yes", "features": "actions"], csrf: csrf)
            #expect(custom.status == 303)
            // A custom integration with actions goes on to the builder (…/integrations/{int}/build/host).
            let customId = String((custom.header("Location") ?? "").split(separator: "/").first { $0.hasPrefix("int_") } ?? "")
            let customJSON = try await api.admin(.get, "/v1/organizations/\(acme)/integrations/\(customId)").json
            #expect(customJSON["features"] == ["actions"] && customJSON["bot"] == true)
            // Finalize through the console, install over the API, read and uninstall the installation in the console.
            #expect(try await browser.post("/console/orgs/\(acme)/integrations/\(customId)/finalize", ["confirmed": "yes"], csrf: csrf).status == 303)
            let installed = try await api.admin(.post, "/v1/organizations/\(acme)/integrations/\(customId)/installations", [:])
            let installation = try #require(installed.json["id"]?.string, "\(installed.text)")
            let installationPage = try await browser.get("/console/orgs/\(acme)/installations/\(installation)")
            #expect(installationPage.status == 200 && installationPage.text.contains("Bot"))
            #expect((try await browser.get("/console/orgs/\(acme)/integrations/\(customId)")).text.contains(installation))
            var outsider = ConsoleBrowser(api)
            _ = try await outsider.signIn(try await api.token(in: globex))
            #expect(try await outsider.get("/console/orgs/\(acme)/installations/\(installation)").status == 404)
            #expect(try await outsider.get("/console/orgs/\(globex)/installations/\(installation)").status == 404)
            #expect(try await browser.post("/console/orgs/\(acme)/installations/\(installation)/uninstall", [:], csrf: csrf).status == 200)
            #expect(
                try await browser.post("/console/orgs/\(acme)/installations/\(installation)/uninstall", ["confirmed": "yes"], csrf: csrf).status
                    == 303)
            #expect(try await api.admin(.get, "/v1/organizations/\(acme)/installations/\(installation)").status == 404)
        },
    ]
}
