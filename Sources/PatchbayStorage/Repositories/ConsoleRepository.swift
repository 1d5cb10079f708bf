import Foundation
import PatchbayCore

/// Console sessions and portal links (hashes of their secrets only).
public struct ConsoleRepository: Sendable {
    let driver: any DatabaseDriver

    public func insert(_ session: ConsoleSession) async throws {
        _ = try await driver.query(
            """
            INSERT INTO console_sessions (id_hash, csrf, token_id, environment_admin_hash, organization_id, scopes, created_at, last_seen_at, expires_at)
            VALUES (\(session.idHash), \(session.csrf), \(session.tokenId), \(session.environmentAdminHash), \(session.organizationId),
                    \(Self.encode(session.scopes)), \(session.createdAt), \(session.lastSeenAt), \(session.expiresAt))
            """
        )
    }

    public func session(idHash: String) async throws -> ConsoleSession? {
        guard let row = try await driver.query("SELECT * FROM console_sessions WHERE id_hash = \(idHash)").first else { return nil }
        return ConsoleSession(
            idHash: try row.string("id_hash"), csrf: try row.string("csrf"), tokenId: try row.optionalString("token_id"),
            environmentAdminHash: try row.optionalString("environment_admin_hash"), organizationId: try row.optionalString("organization_id"),
            scopes: try Self.decode(row.optionalString("scopes")), createdAt: try row.int("created_at"), lastSeenAt: try row.int("last_seen_at"),
            expiresAt: try row.int("expires_at"))
    }

    public func touch(idHash: String, at now: Int64) async throws {
        _ = try await driver.query("UPDATE console_sessions SET last_seen_at = \(now) WHERE id_hash = \(idHash)")
    }

    /// Marks something the session may be shown once on its next page (a new integration's secret, say).
    public func setReveal(idHash: String, _ value: String) async throws {
        _ = try await driver.query("UPDATE console_sessions SET reveal = \(value) WHERE id_hash = \(idHash)")
    }

    /// Clears the mark and says whether it was `value`: true once, whatever happens after.
    public func takeReveal(idHash: String, _ value: String) async throws -> Bool {
        try await !driver.query(
            "UPDATE console_sessions SET reveal = NULL WHERE id_hash = \(idHash) AND reveal = \(value) RETURNING id_hash"
        ).isEmpty
    }

    /// Holds a document for the session until "Apply": one per session and integration; older than an hour go.
    public func holdUpload(id: String, sessionHash: String, integrationId: String, document: String, now: Int64) async throws {
        try await driver.transaction { connection in
            _ = try await connection.query(
                """
                DELETE FROM console_uploads
                WHERE (session_hash = \(sessionHash) AND integration_id = \(integrationId)) OR created_at < \(now - 3_600_000)
                """)
            _ = try await connection.query(
                """
                INSERT INTO console_uploads (id, session_hash, integration_id, document, created_at)
                VALUES (\(id), \(sessionHash), \(integrationId), \(document), \(now))
                """)
        }
    }

    /// The held document, if this session holds it for this integration and it is younger than an hour.
    public func heldUpload(id: String, sessionHash: String, integrationId: String, now: Int64) async throws -> String? {
        try await driver.query(
            """
            SELECT document FROM console_uploads
            WHERE id = \(id) AND session_hash = \(sessionHash) AND integration_id = \(integrationId) AND created_at >= \(now - 3_600_000)
            """
        ).first.map { try $0.string("document") }
    }

    public func releaseUpload(id: String) async throws {
        _ = try await driver.query("DELETE FROM console_uploads WHERE id = \(id)")
    }

    public func deleteSession(idHash: String) async throws {
        _ = try await driver.query("DELETE FROM console_sessions WHERE id_hash = \(idHash)")
    }

    /// Removes sessions past their absolute end or idle since `idleBefore`.
    @discardableResult
    public func deleteExpired(now: Int64, idleBefore: Int64) async throws -> Int {
        try await driver.query(
            "DELETE FROM console_sessions WHERE expires_at <= \(now) OR last_seen_at < \(idleBefore) RETURNING id_hash"
        ).count
    }

    public func insert(_ link: ConsoleLink) async throws {
        _ = try await driver.query(
            """
            INSERT INTO console_links (id, secret_hash, organization_id, scopes, token_id, environment_admin_hash, created_at, expires_at, used_at)
            VALUES (\(link.id), \(link.secretHash), \(link.organizationId), \(Self.encode(link.scopes)), \(link.tokenId),
                    \(link.environmentAdminHash), \(link.createdAt), \(link.expiresAt), \(link.usedAt))
            """
        )
    }

    /// Marks the unexpired, unused link as used and returns it; nil when there is none (a second use, an expired or
    /// unknown link). One statement, so two visitors racing for the same link cannot both win.
    public func redeem(secretHash: String, now: Int64) async throws -> ConsoleLink? {
        guard
            let row = try await driver.query(
                """
                UPDATE console_links SET used_at = \(now)
                WHERE secret_hash = \(secretHash) AND used_at IS NULL AND expires_at > \(now) RETURNING *
                """
            ).first
        else { return nil }
        return ConsoleLink(
            id: try row.string("id"), secretHash: try row.string("secret_hash"), organizationId: try row.string("organization_id"),
            scopes: try Self.decode(row.optionalString("scopes")) ?? [], tokenId: try row.optionalString("token_id"),
            environmentAdminHash: try row.optionalString("environment_admin_hash"), createdAt: try row.int("created_at"),
            expiresAt: try row.int("expires_at"), usedAt: try row.optionalInt("used_at"))
    }

    static func encode(_ scopes: [Scope]?) -> String? {
        scopes.map { String(decoding: (try? JSONEncoder().encode($0.map(\.rawValue))) ?? Data("[]".utf8), as: UTF8.self) }
    }

    static func decode(_ text: String?) throws -> [Scope]? {
        guard let text else { return nil }
        return try JSONDecoder().decode([String].self, from: Data(text.utf8)).compactMap(Scope.init(rawValue:))
    }
}
