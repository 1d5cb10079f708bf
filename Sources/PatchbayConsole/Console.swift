import HTTPTypes
import Hummingbird
import PatchbayCore
import PatchbayServices
import PatchbayStorage

/// The browser console at `/console`: server-rendered pages over the same services as the JSON API. Every page
/// works without script; every state change is a form post checked for its CSRF token and origin, answered with a
/// redirect (POST-redirect-GET) or, for secrets shown once, a page that is never cached.
public struct Console: Sendable {
    let services: Services
    let settings: ConsoleSettings
    let renderer: Renderer?
    let startupProblem: String?
    let charts = ChartCache()

    public init(services: Services, settings: ConsoleSettings) {
        self.services = services
        self.settings = settings
        do {
            renderer = try Renderer(resourcesPath: settings.resourcesPath)
            startupProblem = nil
        } catch {
            renderer = nil
            startupProblem = "\(error)"
        }
    }

    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/console/assets/{name}") { request, context in asset(context.parameters.get("name") ?? "") }
        router.get("/console") { request, context in try await page(request, context) { visit in try await index(request, visit) } }
        router.get("/console/login") { request, context in try await loginPage(request) }
        router.post("/console/login") { request, context in
            do { return try await signIn(request) } catch { return errorPage(Self.unexpected(error, context: context), request: request) }
        }
        router.get("/console/portal/{secret}") { request, context in
            do {
                return try await portal(context.parameters.get("secret") ?? "", request: request)
            } catch {
                return errorPage(Self.unexpected(error, context: context), request: request)
            }
        }
        router.post("/console/logout") { request, context in
            let response = try await action(request, context) { visit, _ in try await signOut(request) }
            // A session that has already ended still leaves with its cookie cleared.
            guard response.status == .seeOther, response.headers[.location] == "/console/login" else { return response }
            var cleared = response
            cleared.headers.append(HTTPField(name: .setCookie, value: Cookies.clear(Cookies.session, secure: settings.secureCookies)))
            return cleared
        }
        registerOrganizationPages(on: router)
        registerTokenPages(on: router)
        registerWebhookPages(on: router)
        registerEventTypePages(on: router)
        registerImportPages(on: router)
        registerBuilderPages(on: router)
        registerActionPages(on: router)
        registerIntegrationPages(on: router)
        registerInboundPages(on: router)
        registerInstallationPages(on: router)
        registerMappingPages(on: router)
        // Anything else under /console is the console's own 404, not the API's 401.
        router.get("/console/**") { request, context in
            try await page(request, context) { _ in throw PatchbayError.notFound("Page \(request.uri.path.prefix(100))") }
        }
    }

    // MARK: - Request plumbing

    /// A signed-in GET page; errors become pages (401 → the sign-in page).
    func page<Context: RequestContext>(
        _ request: Request, _ context: Context, touch: Bool = true, _ body: (ConsoleAccess.Visit) async throws -> Response
    ) async throws -> Response {
        do {
            guard renderer != nil else { return unavailable() }
            let visit = try await services.console.visit(
                secret: Cookies.value(Cookies.session, in: request.headers[.cookie]) ?? "", touch: touch)
            return try await body(visit)
        } catch let error as PatchbayError {
            return errorPage(error, request: request)
        } catch {
            return errorPage(Self.unexpected(error, context: context), request: request)
        }
    }

    /// A signed-in form post: origin and CSRF checked before anything else happens.
    func action<Context: RequestContext>(
        _ request: Request, _ context: Context, _ body: (ConsoleAccess.Visit, FormData) async throws -> Response
    ) async throws -> Response {
        do {
            guard renderer != nil else { return unavailable() }
            try RequestOrigin.check(request, publicURL: settings.publicURL)
            let visit = try await services.console.visit(secret: Cookies.value(Cookies.session, in: request.headers[.cookie]) ?? "")
            let form = try await Self.form(request)
            guard let token = form["csrf"], TokenSecret.constantTimeEquals(token, visit.session.csrf) else {
                throw PatchbayError(.forbidden, "The form's security token did not match; reload the page and try again.")
            }
            return try await body(visit, form)
        } catch let error as PatchbayError {
            return errorPage(error, request: request)
        } catch {
            return errorPage(Self.unexpected(error, context: context), request: request)
        }
    }

    /// Anything else becomes a page too (never the API's problem+json): 503 while the database is unavailable,
    /// otherwise 500, logged without the request's secrets.
    static func unexpected<Context: RequestContext>(_ error: any Error, context: Context) -> PatchbayError {
        if case StorageError.unavailable = error {
            return PatchbayError(.unavailable, "The database is unavailable; try again shortly.", retryAfterSeconds: 5)
        }
        context.logger.error("console page failed", metadata: ["pb.error": "\(String(reflecting: error).prefix(500))"])
        return PatchbayError(.internalError, "The console failed to show this page.")
    }

    static func form(_ request: Request) async throws -> FormData {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw PatchbayError(.unsupportedMediaType, "Send the form as application/x-www-form-urlencoded.")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: FormData.maxBytes)
        } catch {
            throw PatchbayError(.tooLarge, "The form is larger than \(FormData.maxBytes / 1024) KiB.")
        }
        return try FormData(String(buffer: buffer))
    }

    // MARK: - Responses

    func html(_ text: String, status: HTTPResponse.Status = .ok, cookies: [String] = [], formTargets: [String] = []) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "text/html; charset=utf-8"
        SecurityHeaders.apply(to: &fields, settings: settings, formTargets: formTargets)
        for cookie in cookies { fields.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// 303 See Other to a console path (never elsewhere: only paths this code builds are passed).
    func redirect(_ location: String, cookies: [String] = []) -> Response {
        var fields = HTTPFields()
        SecurityHeaders.apply(to: &fields, settings: settings)
        fields[.location] = location
        for cookie in cookies { fields.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: fields)
    }

    func asset(_ name: String) -> Response {
        guard let asset = renderer?.assets[name] else {
            return Response(
                status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "No such asset.\n")))
        }
        var fields = HTTPFields()
        fields[.contentType] = asset.contentType
        fields[.cacheControl] = "public, max-age=31536000, immutable"
        fields[SecurityHeaders.contentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }

    func unavailable() -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "text/plain; charset=utf-8"
        SecurityHeaders.apply(to: &fields, settings: settings)
        return Response(
            status: .serviceUnavailable, headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(string: "The console is unavailable: \(startupProblem ?? "its resources are missing").\n")))
    }

    func errorPage(_ error: PatchbayError, request: Request) -> Response {
        if error.kind == .unauthenticated {
            if request.method == .get {
                return redirect("/console/login?next=\(FormData.encode(request.uri.path))")
            }
            return redirect("/console/login")
        }
        let status = HTTPResponse.Status(code: error.kind.status)
        let model: [String: Any] = [
            "status": error.kind.status, "title": error.kind.title, "detail": error.detail,
            "errors": error.errors.map { ["field": $0.pointer ?? $0.parameter ?? "", "message": $0.message] },
        ]
        return html(layout(title: error.kind.title, body: render("error", model), visit: nil, organization: nil, section: nil), status: status)
    }
}
