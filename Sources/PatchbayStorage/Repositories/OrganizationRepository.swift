import PatchbayCore

/// Organizations and their tree.
public struct OrganizationRepository: Sendable {
    let driver: any DatabaseDriver
    static let pagination = KeysetPagination(columns: ["name": "name", "createdAt": "created_at", "updatedAt": "updated_at"])

    public func insert(_ organization: Organization, event: Event) async throws {
        try await driver.transaction { connection in
            _ = try await connection.query(
                """
                INSERT INTO organizations (id, name, search_text, parent_id, path, created_at, updated_at)
                VALUES (\(organization.id), \(organization.name), \(searchText(organization.name)), \(organization.parentId),
                        \(organization.path.value), \(organization.createdAt), \(organization.updatedAt))
                """
            )
            try await EventRepository.insert(event, on: connection)
        }
    }

    public func find(id: String) async throws -> Organization? {
        try await driver.query("SELECT * FROM organizations WHERE id = \(id)").first.map(Self.decode)
    }

    /// Organizations whose path lies under `within` (every one when nil).
    public func list(_ request: ListRequest, within path: OrganizationPath?) async throws -> Page<Organization> {
        let select: SQLQuery =
            if let path {
                "SELECT * FROM organizations WHERE path LIKE \(KeysetPagination.prefixPattern(path)) ESCAPE '\\'"
            } else {
                "SELECT * FROM organizations WHERE 1 = 1"
            }
        return try await Self.pagination.page(on: driver, select: select, request: request, decode: Self.decode)
    }

    /// Saves a renamed organization with its event; false when it no longer exists.
    public func update(_ organization: Organization, event: Event) async throws -> Bool {
        try await driver.transaction { connection in
            let rows = try await connection.query(
                """
                UPDATE organizations SET name = \(organization.name), search_text = \(searchText(organization.name)),
                    updated_at = \(organization.updatedAt)
                WHERE id = \(organization.id) RETURNING id
                """
            )
            guard !rows.isEmpty else { return false }
            try await EventRepository.insert(event, on: connection)
            return true
        }
    }

    /// Deletes a leaf organization with everything it owns; 409 while it has child organizations.
    public func delete(id: String, event: Event) async throws -> Bool {
        try await driver.transaction { connection in
            let children = try await connection.query("SELECT COUNT(*) AS n FROM organizations WHERE parent_id = \(id)")
            if try children.first?.int("n") ?? 0 > 0 {
                throw PatchbayError(.conflict, "The organization has child organizations; delete or move them first.")
            }
            // Tokens and users reference integrations and users; remove them in dependency order.
            _ = try await connection.query("DELETE FROM access_tokens WHERE organization_id = \(id)")
            _ = try await connection.query("DELETE FROM users WHERE organization_id = \(id)")
            _ = try await connection.query("DELETE FROM integrations WHERE organization_id = \(id)")
            let rows = try await connection.query("DELETE FROM organizations WHERE id = \(id) RETURNING id")
            guard !rows.isEmpty else { return false }
            try await EventRepository.insert(event, on: connection)
            return true
        }
    }

    static func decode(_ row: SQLRow) throws -> Organization {
        Organization(
            id: try row.string("id"),
            name: try row.string("name"),
            parentId: try row.optionalString("parent_id"),
            path: OrganizationPath(rawValue: try row.string("path")),
            createdAt: try row.int("created_at"),
            updatedAt: try row.int("updated_at")
        )
    }
}
