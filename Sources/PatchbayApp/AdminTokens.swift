import PatchbayCore
import PatchbayStorage

/// Admin tokens: all organizations, all scopes. Only their hashes are stored.
public enum AdminTokens {
    /// Creates and stores a new admin token; returns the secret (to be shown once).
    public static func create(in store: Store, name: String, now: Int64) async throws -> String {
        let secret = TokenSecret.generate()
        try await store.tokens.insert(
            AccessToken(
                id: Identifier.make(.token, nowMillis: now),
                organizationId: nil,
                name: name,
                prefix: secret.prefix,
                secretHash: secret.hash,
                scopes: [.all],
                isAdmin: true,
                userId: nil,
                integrationId: nil,
                expiresAt: nil,
                lastUsedAt: nil,
                revokedAt: nil,
                createdAt: now,
                updatedAt: now
            )
        )
        return secret.token
    }

    /// On first start without `PATCHBAY_ADMIN_TOKEN`, makes the first admin token; nil when one exists.
    public static func bootstrap(in store: Store, configuration: PatchbayConfiguration, now: Int64) async throws -> String? {
        guard configuration.adminToken == nil, try await store.tokens.adminTokenCount() == 0 else { return nil }
        return try await create(in: store, name: "first admin token", now: now)
    }
}
