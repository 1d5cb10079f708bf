import Hummingbird
import PatchbayCore
import PatchbayServices

/// `POST /v1/organizations/{org}/console-links`: portal links a host product embeds (single use, one organization).
struct ConsoleLinksController {
    let dependencies: APIDependencies

    struct CreateBody: RequestBody {
        static let fields: Set<String> = ["expiresIn", "scopes"]
        var expiresIn: Int64?
        var scopes: [String]?
    }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("createConsoleLink", create)
    }

    @Sendable func create(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .tokensWrite)
        let body = try await request.decodeIfPresent(CreateBody.self, context: context)
        let link = try await dependencies.services.console.createLink(
            organizationId: context.parameters.value("org"), expiresIn: body?.expiresIn, scopes: body?.scopes,
            baseURL: dependencies.settings.publicURL ?? Self.origin(of: request), by: principal)
        return try JSONResponse.make(
            Link(url: link.url, expiresAt: Timestamp.format(link.expiresAt)), status: .created, headers: [.cacheControl: "no-store"])
    }

    struct Link: Encodable {
        var url: String
        var expiresAt: String
    }

    /// Where the caller reached this server, when no public URL is configured.
    static func origin(of request: Request) -> String {
        "\(request.head.scheme ?? "http")://\(request.head.authority ?? "localhost")"
    }
}
