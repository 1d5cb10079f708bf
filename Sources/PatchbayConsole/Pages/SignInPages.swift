import Hummingbird
import PatchbayCore
import PatchbayServices

/// Sign-in with a token, portal links, sign-out, and the start page.
extension Console {
    func loginPage(_ request: Request, problem: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard renderer != nil else { return unavailable() }
        // Double-submit token for the sign-in form, which has no session yet.
        let token = Cookies.value(Cookies.signIn, in: request.headers[.cookie]).flatMap { $0.count == 40 ? $0 : nil } ?? Self.signInToken()
        let next = request.uri.queryParameters["next"].map(String.init).flatMap(Self.safeNext)
        var model: [String: Any] = ["csrf": token, "next": next ?? ""]
        if let problem { model["problem"] = problem }
        let body = render("login", model)
        return html(
            layout(title: "Sign in", body: body, visit: nil, organization: nil, section: nil), status: status,
            cookies: [Cookies.set(Cookies.signIn, token, maxAgeSeconds: 3600, secure: settings.secureCookies)])
    }

    static func signInToken() -> String { String(TokenSecret.generate().token.dropFirst(3).prefix(40)) }

    /// Only a console path may follow sign-in (no open redirect).
    static func safeNext(_ path: String) -> String? {
        guard path.hasPrefix("/console/"), !path.hasPrefix("//"), !path.contains("\\"), !path.contains("://"), path.utf8.count < 500 else {
            return nil
        }
        return path
    }

    func signIn(_ request: Request) async throws -> Response {
        do {
            try RequestOrigin.check(request, publicURL: settings.publicURL)
            let form = try await Self.form(request)
            guard let expected = Cookies.value(Cookies.signIn, in: request.headers[.cookie]), let sent = form["csrf"],
                TokenSecret.constantTimeEquals(expected, sent)
            else { throw PatchbayError(.forbidden, "The sign-in form expired; it has been renewed, so sign in again.") }
            let started = try await services.console.signIn(secret: form["token"] ?? "")
            // A new session id at every sign-in; the one the browser held before ends here.
            if let previous = Cookies.value(Cookies.session, in: request.headers[.cookie]) { try await services.console.signOut(secret: previous) }
            let home = try await home(for: services.console.visit(secret: started.secret))
            let next = form["next"].flatMap(Self.safeNext) ?? home
            return redirect(
                next,
                cookies: [
                    Cookies.set(
                        Cookies.session, started.secret, maxAgeSeconds: Int(ConsoleAccess.absoluteTimeoutMillis / 1000),
                        secure: settings.secureCookies),
                    Cookies.clear(Cookies.signIn, secure: settings.secureCookies),
                ])
        } catch let error as PatchbayError where error.kind == .validation || error.kind == .forbidden {
            return try await loginPage(
                request, problem: error.errors.first?.message ?? error.detail, status: HTTPResponse.Status(code: error.kind.status))
        } catch let error as PatchbayError {
            return errorPage(error, request: request)
        }
    }

    /// Where a visit starts: its organization, or the list of organizations for an admin.
    func home(for visit: ConsoleAccess.Visit) async throws -> String {
        if let organizationId = visit.principal.organizationId { return "/console/orgs/\(organizationId)" }
        return "/console"
    }

    /// A portal link: signs its visitor in once, then sends them on by a same-origin step (a redirect from a
    /// cross-site navigation would not carry the SameSite=Strict cookie just set).
    func portal(_ secret: String, request: Request) async throws -> Response {
        guard renderer != nil else { return unavailable() }
        do {
            let started = try await services.console.redeem(linkSecret: secret)
            if let previous = Cookies.value(Cookies.session, in: request.headers[.cookie]) { try await services.console.signOut(secret: previous) }
            let target = "/console/orgs/\(started.session.organizationId ?? "")"
            return html(
                layout(title: "Signing in", body: render("portal", ["target": target]), visit: nil, organization: nil, section: nil, refresh: target),
                cookies: [
                    Cookies.set(
                        Cookies.session, started.secret, maxAgeSeconds: Int(ConsoleAccess.absoluteTimeoutMillis / 1000),
                        secure: settings.secureCookies)
                ])
        } catch let error as PatchbayError where error.kind == .unauthenticated {
            return html(
                layout(
                    title: "Link not valid", body: render("error", ["status": 410, "title": "This link cannot be used", "detail": error.detail]),
                    visit: nil, organization: nil, section: nil), status: .gone)
        }
    }

    func signOut(_ request: Request) async throws -> Response {
        try await services.console.signOut(secret: Cookies.value(Cookies.session, in: request.headers[.cookie]) ?? "")
        return redirect("/console/login", cookies: [Cookies.clear(Cookies.session, secure: settings.secureCookies)])
    }

    /// `/console`: the organization of an organization token, or every top-level organization for an admin.
    func index(_ request: Request, _ visit: ConsoleAccess.Visit) async throws -> Response {
        if let organizationId = visit.principal.organizationId { return redirect("/console/orgs/\(organizationId)") }
        let roots = try await services.organizations.roots(by: visit.principal)
        let body = render("organizations", ["organizations": roots.map { ["name": $0.name, "href": "/console/orgs/\($0.id)", "id": $0.id] }])
        return html(layout(title: "Organizations", body: body, visit: visit, organization: nil, section: nil, flash: flash(request)))
    }
}
