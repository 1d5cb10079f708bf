import PatchbayCore

/// Users of organizations, integration users included.
public struct UserRepository: Sendable {
    let driver: any DatabaseDriver
    static let pagination = KeysetPagination(columns: [
        "name": "name", "email": "email_key", "createdAt": "created_at", "updatedAt": "updated_at",
    ])

    /// Inserts a user with its event; 409 when the email is taken in the organization.
    public func insert(_ user: User, event: Event) async throws {
        try await Self.conflictOnDuplicateEmail {
            try await driver.transaction { connection in
                try await Self.insert(user, on: connection)
                try await EventRepository.insert(event, on: connection)
            }
        }
    }

    static func insert(_ user: User, on connection: any DatabaseConnection) async throws {
        _ = try await connection.query(
            """
            INSERT INTO users (id, organization_id, name, email, email_key, phone, role, kind, integration_id, search_text, created_at, updated_at)
            VALUES (\(user.id), \(user.organizationId), \(user.name), \(user.email), \(user.email?.lowercased()), \(user.phone),
                    \(user.role.rawValue), \(user.kind.rawValue), \(user.integrationId), \(searchText(user.name, user.email)),
                    \(user.createdAt), \(user.updatedAt))
            """
        )
    }

    public func find(id: String, organizationId: String) async throws -> User? {
        try await driver.query("SELECT * FROM users WHERE id = \(id) AND organization_id = \(organizationId)").first.map(Self.decode)
    }

    public func find(id: String) async throws -> User? {
        try await driver.query("SELECT * FROM users WHERE id = \(id)").first.map(Self.decode)
    }

    /// Users of one organization of the given kinds.
    public func list(organizationId: String, kinds: [User.Kind], _ request: ListRequest) async throws -> Page<User> {
        var select: SQLQuery = "SELECT * FROM users WHERE organization_id = \(organizationId) AND kind IN ("
        for (index, kind) in kinds.enumerated() {
            select = select + (index == 0 ? "\(kind.rawValue)" : ", \(kind.rawValue)")
        }
        select = select + ")"
        return try await Self.pagination.page(on: driver, select: select, request: request, decode: Self.decode)
    }

    public func update(_ user: User, event: Event) async throws -> Bool {
        try await Self.conflictOnDuplicateEmail {
            try await driver.transaction { connection in
                let rows = try await connection.query(
                    """
                    UPDATE users SET name = \(user.name), email = \(user.email), email_key = \(user.email?.lowercased()),
                        phone = \(user.phone), role = \(user.role.rawValue), search_text = \(searchText(user.name, user.email)),
                        updated_at = \(user.updatedAt)
                    WHERE id = \(user.id) AND organization_id = \(user.organizationId) RETURNING id
                    """
                )
                guard !rows.isEmpty else { return false }
                try await EventRepository.insert(event, on: connection)
                return true
            }
        }
    }

    public func delete(id: String, organizationId: String, event: Event) async throws -> Bool {
        try await driver.transaction { connection in
            let rows = try await connection.query("DELETE FROM users WHERE id = \(id) AND organization_id = \(organizationId) RETURNING id")
            guard !rows.isEmpty else { return false }
            try await EventRepository.insert(event, on: connection)
            return true
        }
    }

    private static func conflictOnDuplicateEmail<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch StorageError.uniqueViolation {
            throw PatchbayError(
                .conflict,
                "A user with this email already exists in the organization.",
                errors: [FieldError(pointer: "/email", "is already in use in this organization")]
            )
        }
    }

    static func decode(_ row: SQLRow) throws -> User {
        User(
            id: try row.string("id"),
            organizationId: try row.string("organization_id"),
            name: try row.string("name"),
            email: try row.optionalString("email"),
            phone: try row.optionalString("phone"),
            role: User.Role(rawValue: try row.string("role")) ?? .member,
            kind: User.Kind(rawValue: try row.string("kind")) ?? .human,
            integrationId: try row.optionalString("integration_id"),
            createdAt: try row.int("created_at"),
            updatedAt: try row.int("updated_at")
        )
    }
}
