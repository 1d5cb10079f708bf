import Hummingbird
import PatchbayCore
import PatchbayServices

/// Resolves `Authorization: Bearer <token>` to a principal; 401 for a missing, unknown, expired or revoked
/// token. Only the token's hash is looked up.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = PatchbayRequestContext
    let services: Services

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.principal = try await authenticate(request.headers[.authorization])
        return try await next(request, context)
    }

    func authenticate(_ header: String?) async throws -> Principal {
        guard let header, !header.isEmpty else {
            throw PatchbayError(.unauthenticated, "Send a token as Authorization: Bearer <token>.")
        }
        guard header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            throw PatchbayError(.unauthenticated, "The Authorization header must use the Bearer scheme.")
        }
        return try await services.authentication.principal(forSecret: header.dropFirst(7).trimmingWhitespace())
    }
}
