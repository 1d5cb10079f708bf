import Foundation
import HTTPTypes
import Hummingbird
import PatchbayCore
import PatchbayServices

/// Installations of integrations into organizations, their OAuth authorization, and action runs.
struct InstallationsController {
    let dependencies: APIDependencies

    struct CreateBody: RequestBody {
        static let fields: Set<String> = ["organizationId", "credentials"]
        var organizationId: String?
        var credentials: JSONValue?
    }

    struct RunBody: RequestBody {
        static let fields: Set<String> = ["parameters", "body", "paginate", "pageLimit", "organizationId"]
        var parameters: [String: JSONValue]?
        var body: JSONValue?
        var paginate: Bool?
        var pageLimit: Int?
        /// A child organization mapped to one of the provider's companies: its external id fills the mapping's parameter.
        var organizationId: String?
    }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("createInstallation", create)
        router.serve("listInstallations", list)
        router.serve("getInstallation", get)
        router.serve("deleteInstallation", delete)
        router.serve("authorizeInstallation", authorize)
        router.serve("runAction", run)
    }

    /// The public callback route, registered before authentication (the provider's redirect carries no token).
    func registerPublic(on router: Router<PatchbayRequestContext>) {
        router.serve("oauthCallback", callback)
    }

    private var installations: InstallationService { dependencies.services.installations }

    @Sendable func create(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let owner = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .integrationsWrite)
        let integration = try await dependencies.integration(context, in: owner)
        let body = try await request.decode(CreateBody.self, context: context)
        let installation = try await installations.create(
            integrationId: integration.id, ownerOrganizationId: owner.id, targetOrganizationId: body.organizationId, credentials: body.credentials,
            by: principal)
        return try JSONResponse.make(
            installation, status: .created,
            headers: [.location: "/v1/organizations/\(installation.organizationId)/installations/\(installation.id)"])
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .integrationsRead)
        let integration = try await dependencies.integration(context, in: organization)
        let listRequest = try request.listRequest(sortable: InstallationService.sortable)
        return try JSONResponse.list(
            try await dependencies.services.installations.list(
                integrationId: integration.id, organizationId: organization.id, listRequest, by: principal), request: request)
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let (_, installation) = try await dependencies.installation(context, scope: .integrationsRead)
        return try JSONResponse.make(installation)
    }

    @Sendable func delete(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try await dependencies.services.installations.delete(
            context.parameters.value("ins"), organizationId: context.parameters.value("org"), by: try context.requirePrincipal())
        return JSONResponse.noContent()
    }

    /// 302 to the provider's authorization page, with PKCE and a single-use `state`.
    @Sendable func authorize(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let location = try await installations.authorize(
            context.parameters.value("ins"), organizationId: context.parameters.value("org"), redirectURI: callbackURL(for: request),
            by: try context.requirePrincipal())
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        return Response(status: .found, headers: headers)
    }

    /// The redirect URI providers return to: the configured public URL, else the scheme and host this request used.
    func callbackURL(for request: Request) -> String {
        if let base = dependencies.settings.publicURL {
            return (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/oauth/callback"
        }
        let host = request.head.authority ?? "localhost"
        return "\(request.head.scheme ?? "http")://\(host)/oauth/callback"
    }

    @Sendable func callback(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let installation = try await installations.completeAuthorization(
            state: query["state"].map(String.init) ?? "", code: query["code"].map(String.init), error: query["error"].map(String.init),
            errorDescription: query["error_description"].map(String.init))
        // A person who pressed Connect in the console goes back to the installation's page; API clients get JSON.
        if request.headers[.accept]?.contains("text/html") == true {
            var headers = HTTPFields()
            headers[.location] = "/console/orgs/\(installation.organizationId)/installations/\(installation.id)?done=connected"
            headers[.cacheControl] = "no-store"
            return Response(status: .seeOther, headers: headers)
        }
        return try JSONResponse.make(installation)
    }

    @Sendable func run(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let body = try await request.decodeIfPresent(RunBody.self, context: context) ?? RunBody()
        let run = InstallationService.RunInput(
            input: ActionInput(parameters: body.parameters ?? [:], body: body.body), paginate: body.paginate ?? false, pageLimit: body.pageLimit,
            childOrganizationId: body.organizationId)
        let result = try await installations.run(
            context.parameters.value("act"), installation: context.parameters.value("ins"), organizationId: context.parameters.value("org"), run,
            by: principal)
        return try JSONResponse.make(result)
    }
}
