import Hummingbird
import PatchbayCore
import PatchbayStorage

/// Resolves `Authorization: Bearer <token>` to a principal; 401 for a missing, unknown, expired or revoked
/// token. Only the token's hash is looked up.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = PatchbayRequestContext
    let store: Store
    let settings: HTTPSettings
    let clock: any TimeSource
    /// `lastUsedAt` is written at most this often per token, so reads do not each cost a write.
    static let lastUsedResolutionMillis: Int64 = 60_000

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
        let token = header.dropFirst(7).trimmingWhitespace()
        guard !token.isEmpty, token.utf8.count <= 512 else { throw PatchbayError(.unauthenticated, "The token is not valid.") }
        if let admin = settings.environmentAdminToken, TokenSecret.constantTimeEquals(token, admin) {
            return .admin(tokenId: nil)
        }
        let now = clock.nowMillis
        guard let (stored, path) = try await store.tokens.findForAuthentication(secretHash: TokenSecret.hash(of: token)),
            TokenSecret.constantTimeEquals(stored.secretHash, TokenSecret.hash(of: token))
        else { throw PatchbayError(.unauthenticated, "The token is not valid.") }
        if stored.revokedAt != nil { throw PatchbayError(.unauthenticated, "The token has been revoked.") }
        if let expiresAt = stored.expiresAt, now >= expiresAt { throw PatchbayError(.unauthenticated, "The token has expired.") }
        if stored.lastUsedAt.map({ now - $0 >= Self.lastUsedResolutionMillis }) ?? true {
            try await store.tokens.recordUse(id: stored.id, at: now)
        }
        if stored.isAdmin { return .admin(tokenId: stored.id) }
        guard let path else { throw PatchbayError(.unauthenticated, "The token's organization no longer exists.") }
        let actor: Actor =
            if let integrationId = stored.integrationId {
                Actor(type: .integration, id: integrationId, userId: stored.userId, tokenId: stored.id)
            } else if let userId = stored.userId {
                Actor(type: .user, id: userId, userId: userId, tokenId: stored.id)
            } else {
                Actor(type: .token, id: stored.id, tokenId: stored.id)
            }
        return Principal(
            organizationId: stored.organizationId,
            organizationPath: path,
            scopes: Set(stored.scopes),
            isAdmin: false,
            tokenId: stored.id,
            actor: actor,
            integrationId: stored.integrationId
        )
    }
}
