import PatchbayCore

/// Integrations installed into organizations.
public struct InstallationRepository: Sendable {
    let driver: any DatabaseDriver

    /// Inserts the installation and its event in one transaction; a second installation of the same integration in
    /// the same organization is a unique violation.
    public func insert(_ installation: Installation, event: Event) async throws {
        try await driver.transaction { connection in
            _ = try await connection.query(
                """
                INSERT INTO installations (id, integration_id, organization_id, state, created_at, updated_at)
                VALUES (\(installation.id), \(installation.integrationId), \(installation.organizationId), \(installation.state.rawValue),
                        \(installation.createdAt), \(installation.updatedAt))
                """
            )
            try await EventRepository.insert(event, on: connection)
        }
    }

    public func find(id: String) async throws -> Installation? {
        try await driver.query("SELECT * FROM installations WHERE id = \(id)").first.map(Self.decode)
    }

    /// Removes the installation and writes its event in one transaction; false when there was none.
    public func delete(id: String, event: Event) async throws -> Bool {
        try await driver.transaction { connection in
            let deleted = try await connection.query("DELETE FROM installations WHERE id = \(id) RETURNING id")
            guard !deleted.isEmpty else { return false }
            try await EventRepository.insert(event, on: connection)
            return true
        }
    }

    static func decode(_ row: SQLRow) throws -> Installation {
        Installation(
            id: try row.string("id"),
            integrationId: try row.string("integration_id"),
            organizationId: try row.string("organization_id"),
            state: Installation.State(rawValue: try row.string("state")) ?? .authorizationRequired,
            createdAt: try row.int("created_at"),
            updatedAt: try row.int("updated_at")
        )
    }
}
