import PatchbayCore
import PatchbayStorage

/// Turns an access token's secret (or, for console sessions, its id) into the principal it acts as; 401 for a
/// missing, unknown, expired or revoked token. Only the secret's hash is ever looked up.
public struct Authentication: Sendable {
    let store: Store
    let clock: any TimeSource
    let environmentAdminToken: String?
    let cache: PrincipalCache
    /// `lastUsedAt` is written at most this often per token, so reads do not each cost a write.
    public static let lastUsedResolutionMillis: Int64 = 60_000

    /// Whether `secret` is the environment's admin token (which has no row).
    public func isEnvironmentAdmin(_ secret: String) -> Bool {
        guard let admin = environmentAdminToken else { return false }
        return TokenSecret.constantTimeEquals(secret, admin)
    }

    public func principal(forSecret secret: String) async throws -> Principal {
        guard !secret.isEmpty, secret.utf8.count <= 512 else { throw PatchbayError(.unauthenticated, "The token is not valid.") }
        if isEnvironmentAdmin(secret) { return .admin(tokenId: nil) }
        let hash = TokenSecret.hash(of: secret)
        if let principal = try await cached("s" + hash) { return principal }
        let generation = cache.generation
        guard let (stored, path) = try await store.tokens.findForAuthentication(secretHash: hash),
            TokenSecret.constantTimeEquals(stored.secretHash, hash)
        else { throw PatchbayError(.unauthenticated, "The token is not valid.") }
        return try await principal(for: stored, path: path, key: "s" + hash, generation: generation)
    }

    /// The principal of the stored token `id`, checked again (a console session ends with its token's revocation).
    public func principal(forTokenId id: String) async throws -> Principal {
        if let principal = try await cached("i" + id) { return principal }
        let generation = cache.generation
        guard let (stored, path) = try await store.tokens.findForAuthentication(id: id) else {
            throw PatchbayError(.unauthenticated, "The token is not valid.")
        }
        return try await principal(for: stored, path: path, key: "i" + id, generation: generation)
    }

    /// A principal resolved recently, its expiry checked now; its use is recorded as often as without the cache.
    private func cached(_ key: String) async throws -> Principal? {
        guard let entry = cache.entry(key) else { return nil }
        let now = clock.nowMillis
        if let expiresAt = entry.expiresAt, now >= expiresAt { throw PatchbayError(.unauthenticated, "The token has expired.") }
        if let tokenId = entry.principal.tokenId, entry.lastUsedAt.map({ now - $0 >= Self.lastUsedResolutionMillis }) ?? true {
            cache.noteUse(key, at: now)
            try await store.tokens.recordUse(id: tokenId, at: now)
        }
        return entry.principal
    }

    private func principal(for stored: AccessToken, path: OrganizationPath?, key: String, generation: UInt64) async throws -> Principal {
        let now = clock.nowMillis
        if stored.revokedAt != nil { throw PatchbayError(.unauthenticated, "The token has been revoked.") }
        if let expiresAt = stored.expiresAt, now >= expiresAt { throw PatchbayError(.unauthenticated, "The token has expired.") }
        var lastUsedAt = stored.lastUsedAt
        if lastUsedAt.map({ now - $0 >= Self.lastUsedResolutionMillis }) ?? true {
            try await store.tokens.recordUse(id: stored.id, at: now)
            lastUsedAt = now
        }
        let principal = try principal(for: stored, path: path)
        cache.store(
            PrincipalCache.Entry(principal: principal, expiresAt: stored.expiresAt, lastUsedAt: lastUsedAt, cachedAt: .now),
            for: key, ifGeneration: generation)
        return principal
    }

    private func principal(for stored: AccessToken, path: OrganizationPath?) throws -> Principal {
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
