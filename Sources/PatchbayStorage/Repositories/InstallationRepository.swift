import Foundation
import PatchbayCore

/// Integrations installed into organizations, with their sealed credentials and OAuth tokens. Secrets are
/// sealed, each bound to its installation and field, before they are written, and are read only through
/// `secrets(of:)`: the `Installation` value never carries them.
public struct InstallationRepository: Sendable {
    let driver: any DatabaseDriver
    let secrets: SecretBox
    static let pagination = KeysetPagination(columns: [
        "createdAt": "created_at", "updatedAt": "updated_at", "state": "state", "organizationId": "organization_id",
    ])

    /// What an installation authenticates with.
    public struct Secrets: Sendable, Equatable {
        public var credentials: ConnectorCredentials
        public var tokens: OAuthTokens?
        /// Bumped by every token write, so a waiter can tell that a refresh landed.
        public var tokenVersion: Int64
    }

    /// Inserts the installation, its sealed credentials and its event in one transaction; a second installation of
    /// the same integration in the same organization is a unique violation.
    public func insert(_ installation: Installation, credentials: ConnectorCredentials = .init(), tokens: OAuthTokens? = nil, event: Event)
        async throws
    {
        let sealedCredentials = try seal(credentials, installation.id, "credentials")
        let sealedTokens = try tokens.map { try seal($0, installation.id, "tokens") }
        try await driver.transaction { connection in
            _ = try await connection.query(
                """
                INSERT INTO installations (id, integration_id, organization_id, state, created_at, updated_at, credentials, tokens)
                VALUES (\(installation.id), \(installation.integrationId), \(installation.organizationId), \(installation.state.rawValue),
                        \(installation.createdAt), \(installation.updatedAt), \(sealedCredentials), \(sealedTokens))
                """
            )
            try await EventRepository.insert(event, on: connection)
        }
    }

    /// The installation installed in the tenant's organization (and of its integration, for an integration token).
    public func find(id: String, in tenant: Tenant) async throws -> Installation? {
        try await driver.query("SELECT * FROM installations WHERE id = \(id) AND \(tenant.condition())").first.map(decode)
    }

    /// For system paths that hold no tenant (the background token refresh, the OAuth callback, the operator's CLI).
    public func find(id: String) async throws -> Installation? {
        try await driver.query("SELECT * FROM installations WHERE id = \(id)").first.map(decode)
    }

    /// Where an integration of `ownerOrganizationId` is installed (in that organization or its descendants).
    public func list(integrationId: String, ownerOrganizationId: String, _ request: ListRequest) async throws -> Page<Installation> {
        var request = request
        request.search = nil
        return try await Self.pagination.page(
            on: driver,
            select: """
                SELECT * FROM installations WHERE integration_id = \(integrationId)
                AND integration_id IN (SELECT id FROM integrations WHERE organization_id = \(ownerOrganizationId))
                """,
            request: request, decode: decode)
    }

    /// Removes the installation and writes its event in one transaction; false when the tenant has none such.
    public func delete(id: String, in tenant: Tenant, event: Event) async throws -> Bool {
        try await driver.transaction { connection in
            let deleted = try await connection.query("DELETE FROM installations WHERE id = \(id) AND \(tenant.condition()) RETURNING id")
            guard !deleted.isEmpty else { return false }
            try await EventRepository.insert(event, on: connection)
            return true
        }
    }

    public func secrets(of id: String) async throws -> Secrets? {
        guard let row = try await driver.query("SELECT credentials, tokens, token_version FROM installations WHERE id = \(id)").first else {
            return nil
        }
        return try secrets(in: row, id: id)
    }

    /// The installation in the tenant's organization with its opened secrets, in one query (an action run's hot path).
    public func findWithSecrets(id: String, in tenant: Tenant) async throws -> (Installation, Secrets)? {
        guard let row = try await driver.query("SELECT * FROM installations WHERE id = \(id) AND \(tenant.condition())").first else { return nil }
        return (try decode(row), try secrets(in: row, id: id))
    }

    private func secrets(in row: SQLRow, id: String) throws -> Secrets {
        let credentials = try row.optionalString("credentials").map { try open(ConnectorCredentials.self, $0, id, "credentials") } ?? .init()
        let tokens = try row.optionalString("tokens").map { try open(OAuthTokens.self, $0, id, "tokens") }
        return Secrets(credentials: credentials, tokens: tokens, tokenVersion: try row.int("token_version"))
    }

    /// Stores new tokens, marks the installation ready, ends any refresh lease and schedules the background
    /// refresh (`refreshDueAt`, nil for none).
    public func storeTokens(_ tokens: OAuthTokens, for id: String, refreshDueAt: Int64?, now: Int64) async throws {
        let sealed = try seal(tokens, id, "tokens")
        _ = try await driver.query(
            """
            UPDATE installations SET tokens = \(sealed), token_version = token_version + 1, state = \(Installation.State.ready.rawValue),
                state_reason = NULL, refresh_lease_until = 0, refresh_lease_owner = NULL, refresh_due_at = \(refreshDueAt), updated_at = \(now)
            WHERE id = \(id)
            """
        )
    }

    /// Installations whose background refresh is due, oldest first.
    public func dueForRefresh(now: Int64, limit: Int) async throws -> [String] {
        try await driver.query(
            """
            SELECT id FROM installations WHERE refresh_due_at IS NOT NULL AND refresh_due_at <= \(now) AND state = \(Installation.State.ready.rawValue)
            ORDER BY refresh_due_at LIMIT \(limit)
            """
        ).map { try $0.string("id") }
    }

    /// Moves a due refresh later (after a failed attempt), so one broken provider is not retried on every pass.
    public func postponeRefresh(of id: String, until: Int64) async throws {
        _ = try await driver.query("UPDATE installations SET refresh_due_at = \(until) WHERE id = \(id) AND refresh_due_at IS NOT NULL")
    }

    /// Takes the refresh lease when nobody holds it (or it lapsed). Only the holder refreshes; the others wait for
    /// `token_version` to move. Works the same on SQLite and across instances sharing PostgreSQL.
    public func acquireRefreshLease(for id: String, owner: String, now: Int64, durationMillis: Int64) async throws -> Bool {
        try await !driver.query(
            """
            UPDATE installations SET refresh_lease_until = \(now + durationMillis), refresh_lease_owner = \(owner)
            WHERE id = \(id) AND refresh_lease_until <= \(now) RETURNING id
            """
        ).isEmpty
    }

    public func releaseRefreshLease(for id: String, owner: String) async throws {
        _ = try await driver.query(
            "UPDATE installations SET refresh_lease_until = 0, refresh_lease_owner = NULL WHERE id = \(id) AND refresh_lease_owner = \(owner)")
    }

    /// Marks the installation as needing (re)authorization, drops its tokens and writes the event, in one
    /// transaction. False when it was already in that state (so the event is emitted once).
    public func requireAuthorization(
        _ id: String, state: Installation.State, reason: String, event: Event, now: Int64
    ) async throws -> Bool {
        try await driver.transaction { connection in
            let changed = try await connection.query(
                """
                UPDATE installations SET state = \(state.rawValue), state_reason = \(reason), tokens = NULL, refresh_due_at = NULL,
                    token_version = token_version + 1, refresh_lease_until = 0, refresh_lease_owner = NULL, updated_at = \(now)
                WHERE id = \(id) AND state <> \(state.rawValue) RETURNING id
                """
            )
            guard !changed.isEmpty else { return false }
            try await EventRepository.insert(event, on: connection)
            return true
        }
    }

    // MARK: - Authorization requests

    /// Records a pending authorization request; `state` is stored as its SHA-256, the verifier sealed.
    public func insertAuthorizationRequest(state: String, installationId: String, verifier: String, redirectURI: String, expiresAt: Int64, now: Int64)
        async throws
    {
        let hash = TokenSecret.sha256Hex(state)
        let sealed = try secrets.seal(verifier, context: "oauth-state/\(hash)")
        // Expired requests of any installation go with each new one, so the table stays small without a sweeper.
        _ = try await driver.query("DELETE FROM oauth_states WHERE expires_at < \(now)")
        _ = try await driver.query(
            """
            INSERT INTO oauth_states (state_hash, installation_id, verifier, redirect_uri, expires_at, created_at)
            VALUES (\(hash), \(installationId), \(sealed), \(redirectURI), \(expiresAt), \(now))
            """
        )
    }

    /// Takes (deletes and returns) the pending request for `state`, so a state works once; nil when unknown or expired.
    public func takeAuthorizationRequest(state: String, now: Int64) async throws -> (installationId: String, verifier: String, redirectURI: String)? {
        let hash = TokenSecret.sha256Hex(state)
        guard
            let row = try await driver.query(
                "DELETE FROM oauth_states WHERE state_hash = \(hash) RETURNING installation_id, verifier, redirect_uri, expires_at"
            ).first, try row.int("expires_at") >= now
        else { return nil }
        return (
            try row.string("installation_id"), try secrets.open(try row.string("verifier"), context: "oauth-state/\(hash)"),
            try row.string("redirect_uri")
        )
    }

    // MARK: - Organization mapping

    public func setMappingSettings(_ settings: OrganizationMapping.Settings?, for id: String, now: Int64) async throws {
        let json = try settings.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        _ = try await driver.query("UPDATE installations SET mapping = \(json), updated_at = \(now) WHERE id = \(id)")
    }

    /// Replaces the whole mapping in one transaction.
    public func replaceMappings(_ entries: [OrganizationMapping.Entry], for id: String, now: Int64) async throws {
        try await driver.transaction { connection in
            _ = try await connection.query("DELETE FROM organization_mappings WHERE installation_id = \(id)")
            for entry in entries {
                _ = try await connection.query(
                    """
                    INSERT INTO organization_mappings (installation_id, organization_id, external_id, external_name, updated_at)
                    VALUES (\(id), \(entry.organizationId), \(entry.externalId), \(entry.externalName), \(now))
                    """
                )
            }
        }
    }

    public func mappings(for id: String) async throws -> [OrganizationMapping.Entry] {
        try await driver.query("SELECT * FROM organization_mappings WHERE installation_id = \(id) ORDER BY organization_id").map { row in
            OrganizationMapping.Entry(
                organizationId: try row.string("organization_id"), externalId: try row.string("external_id"),
                externalName: try row.optionalString("external_name"))
        }
    }

    public func mapping(for id: String, organizationId: String) async throws -> OrganizationMapping.Entry? {
        try await mappings(for: id).first { $0.organizationId == organizationId }
    }

    // MARK: - Coding

    private func seal(_ value: some Encodable, _ id: String, _ field: String) throws -> String {
        try secrets.seal(String(decoding: try JSONEncoder().encode(value), as: UTF8.self), context: "\(id)/\(field)")
    }

    private func open<Value: Decodable>(_ type: Value.Type, _ sealed: String, _ id: String, _ field: String) throws -> Value {
        try JSONDecoder().decode(Value.self, from: Data(try secrets.open(sealed, context: "\(id)/\(field)").utf8))
    }

    func decode(_ row: SQLRow) throws -> Installation {
        let id = try row.string("id")
        let tokens = try row.optionalString("tokens").flatMap { try? open(OAuthTokens.self, $0, id, "tokens") }
        return Installation(
            id: id,
            integrationId: try row.string("integration_id"),
            organizationId: try row.string("organization_id"),
            state: Installation.State(rawValue: try row.string("state")) ?? .authorizationRequired,
            stateReason: try row.optionalString("state_reason"),
            tokenExpiresAt: tokens?.expiresAt,
            mapping: try row.optionalString("mapping").flatMap { try? JSONDecoder().decode(OrganizationMapping.Settings.self, from: Data($0.utf8)) },
            createdAt: try row.int("created_at"),
            updatedAt: try row.int("updated_at")
        )
    }
}
