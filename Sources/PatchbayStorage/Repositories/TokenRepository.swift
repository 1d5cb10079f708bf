import Foundation
import PatchbayCore

/// Access tokens. Only hashes of secrets are stored.
public struct TokenRepository: Sendable {
    let driver: any DatabaseDriver
    static let pagination = KeysetPagination(columns: ["name": "name", "createdAt": "created_at", "updatedAt": "updated_at"])

    public func insert(_ token: AccessToken) async throws {
        let scopes = String(decoding: try JSONEncoder().encode(token.scopes.map(\.rawValue)), as: UTF8.self)
        _ = try await driver.query(
            """
            INSERT INTO access_tokens (id, organization_id, name, prefix, secret_hash, scopes, is_admin, user_id, integration_id,
                                       search_text, expires_at, last_used_at, revoked_at, created_at, updated_at)
            VALUES (\(token.id), \(token.organizationId), \(token.name), \(token.prefix), \(token.secretHash), \(scopes),
                    \(token.isAdmin), \(token.userId), \(token.integrationId), \(searchText(token.name, token.prefix)),
                    \(token.expiresAt), \(token.lastUsedAt), \(token.revokedAt), \(token.createdAt), \(token.updatedAt))
            """
        )
    }

    public func find(secretHash: String) async throws -> AccessToken? {
        try await driver.query("SELECT * FROM access_tokens WHERE secret_hash = \(secretHash)").first.map(Self.decode)
    }

    public func find(id: String, organizationId: String) async throws -> AccessToken? {
        try await driver.query("SELECT * FROM access_tokens WHERE id = \(id) AND organization_id = \(organizationId)").first.map(Self.decode)
    }

    public func list(organizationId: String, _ request: ListRequest) async throws -> Page<AccessToken> {
        try await Self.pagination.page(
            on: driver,
            select: "SELECT * FROM access_tokens WHERE organization_id = \(organizationId)",
            request: request,
            decode: Self.decode
        )
    }

    public func rename(id: String, organizationId: String, name: String, now: Int64) async throws -> AccessToken? {
        try await driver.query(
            """
            UPDATE access_tokens SET name = \(name), search_text = \(name.lowercased()) || \("\n") || LOWER(prefix), updated_at = \(now)
            WHERE id = \(id) AND organization_id = \(organizationId) RETURNING *
            """
        ).first.map(Self.decode)
    }

    /// Revokes the token (idempotent: the first revocation time is kept).
    public func revoke(id: String, organizationId: String, now: Int64) async throws -> AccessToken? {
        try await driver.query(
            """
            UPDATE access_tokens SET revoked_at = COALESCE(revoked_at, \(now)), updated_at = \(now)
            WHERE id = \(id) AND organization_id = \(organizationId) RETURNING *
            """
        ).first.map(Self.decode)
    }

    public func recordUse(id: String, at now: Int64) async throws {
        _ = try await driver.query("UPDATE access_tokens SET last_used_at = \(now) WHERE id = \(id)")
    }

    /// Bumped by the database whenever any token row changes or goes (migration 20's triggers).
    public func authenticationEpoch() async throws -> Int64 {
        try await driver.query("SELECT epoch FROM authentication_epoch WHERE id = 1").first?.int("epoch") ?? 0
    }

    public func adminTokenCount() async throws -> Int {
        Int(try await driver.query("SELECT COUNT(*) AS n FROM access_tokens WHERE is_admin = 1 AND revoked_at IS NULL").first?.int("n") ?? 0)
    }

    static func decode(_ row: SQLRow) throws -> AccessToken {
        let stored = try JSONText.strings(try row.string("scopes")).compactMap(Scope.init(rawValue:))
        let integrationId = try row.optionalString("integration_id")
        return AccessToken(
            id: try row.string("id"),
            organizationId: try row.optionalString("organization_id"),
            name: try row.string("name"),
            prefix: try row.string("prefix"),
            secretHash: try row.string("secret_hash"),
            // Integration tokens made before least privilege held `*`: they show and get what they may hold.
            scopes: integrationId == nil ? stored : Scope.usableByIntegration(stored),
            isAdmin: try row.bool("is_admin"),
            userId: try row.optionalString("user_id"),
            integrationId: integrationId,
            expiresAt: try row.optionalInt("expires_at"),
            lastUsedAt: try row.optionalInt("last_used_at"),
            revokedAt: try row.optionalInt("revoked_at"),
            createdAt: try row.int("created_at"),
            updatedAt: try row.int("updated_at")
        )
    }
}

extension TokenRepository {
    /// The token with the path of its organization, in one query: the hot path of every request.
    public func findForAuthentication(secretHash: String) async throws -> (AccessToken, OrganizationPath?)? {
        try await findWithPath(where: "t.secret_hash = \(secretHash)")
    }

    /// As `findForAuthentication(secretHash:)`, by the token's id (console sessions hold the id, never the secret).
    public func findForAuthentication(id: String) async throws -> (AccessToken, OrganizationPath?)? {
        try await findWithPath(where: "t.id = \(id)")
    }

    private func findWithPath(where condition: SQLQuery) async throws -> (AccessToken, OrganizationPath?)? {
        let select: SQLQuery =
            "SELECT t.*, o.path AS organization_path FROM access_tokens t LEFT JOIN organizations o ON o.id = t.organization_id WHERE "
        guard let row = try await driver.query(select + condition).first else { return nil }
        return (try Self.decode(row), try row.optionalString("organization_path").map(OrganizationPath.init(rawValue:)))
    }
}
