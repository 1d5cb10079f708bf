import Foundation
import PatchbayCore

/// Actions and the API connection of integrations made from an API description.
public struct ActionRepository: Sendable {
    let driver: any DatabaseDriver
    static let pagination = KeysetPagination(columns: [
        "name": "name_key", "method": "method", "path": "path", "createdAt": "created_at", "updatedAt": "updated_at",
    ])

    /// An imported integration: the integration, its user, its API connection and actions, and its event, in one
    /// transaction (so a failure leaves nothing behind).
    public func insertImported(
        _ integration: Integration,
        user: User,
        event: Event,
        api: IntegrationAPI,
        actions: [Action]
    ) async throws {
        try await driver.transaction { connection in
            try await IntegrationRepository.insert(integration, user: user, event: event, on: connection)
            try await Self.saveAPI(api, integrationId: integration.id, at: integration.createdAt, on: connection)
            for action in actions { try await Self.insert(action, on: connection) }
        }
    }

    /// A newer description applied: the API's definitions and source replaced (its settings kept), new actions
    /// added, changed ones saved, gone ones deleted, in one transaction.
    public func applyReimport(
        integrationId: String, definitions: [String: JSONValue], source: String, settingsIfNone: APISettings, added: [Action], changed: [Action],
        removed: [String], now: Int64
    ) async throws {
        try await Self.conflictOnDuplicateName(added.first?.definition.name ?? "") {
            try await driver.transaction { connection in
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                let text = String(decoding: try encoder.encode(definitions), as: UTF8.self)
                let updated = try await connection.query(
                    """
                    UPDATE integration_apis SET definitions = \(text), source = \(source), updated_at = \(now)
                    WHERE integration_id = \(integrationId) RETURNING integration_id
                    """)
                // A hand-built integration without an API connection gets the document's.
                if updated.isEmpty {
                    try await Self.saveAPI(
                        IntegrationAPI(settings: settingsIfNone, definitions: definitions, source: source), integrationId: integrationId, at: now,
                        on: connection)
                }
                for id in removed { _ = try await connection.query("DELETE FROM actions WHERE id = \(id) AND integration_id = \(integrationId)") }
                for action in changed {
                    let definition = action.definition
                    _ = try await connection.query(
                        """
                        UPDATE actions SET method = \(definition.method), path = \(definition.path),
                            search_text = \(searchText(definition.name, definition.path)), definition = \(try Self.encode(definition)),
                            updated_at = \(action.updatedAt)
                        WHERE id = \(action.id) AND integration_id = \(integrationId)
                        """)
                }
                for action in added { try await Self.insert(action, on: connection) }
            }
        }
    }

    /// The API's settings and source without its definitions (a large description's schemas are megabytes).
    public func settings(integrationId: String) async throws -> (settings: APISettings, source: String?)? {
        guard let row = try await driver.query("SELECT settings, source FROM integration_apis WHERE integration_id = \(integrationId)").first
        else { return nil }
        return (try JSONDecoder().decode(APISettings.self, from: Data(try row.string("settings").utf8)), try row.optionalString("source"))
    }

    public func api(integrationId: String) async throws -> IntegrationAPI? {
        try await driver.query("SELECT * FROM integration_apis WHERE integration_id = \(integrationId)").first.map(Self.decodeAPI)
    }

    /// The API of the integration installation `installationId` installs, in one read (the run endpoint reads it
    /// beside the installation instead of after it).
    public func api(installationId: String) async throws -> IntegrationAPI? {
        try await driver.query(
            "SELECT p.* FROM integration_apis p JOIN installations i ON i.integration_id = p.integration_id WHERE i.id = \(installationId)"
        ).first.map(Self.decodeAPI)
    }

    private static func decodeAPI(_ row: SQLRow) throws -> IntegrationAPI {
        let integrationId = try row.string("integration_id")
        return IntegrationAPI(
            settings: try Self.decodedSettings.value(for: integrationId, text: try row.string("settings")) {
                try JSONDecoder().decode(APISettings.self, from: Data($0.utf8))
            },
            definitions: try Self.decodedDefinitions.value(for: integrationId, text: try row.string("definitions")) {
                try JSONDecoder().decode([String: JSONValue].self, from: Data($0.utf8))
            },
            source: try row.optionalString("source")
        )
    }

    private static let decodedSettings = DecodedCache<APISettings>(capacity: 1024, maxTextBytes: 4 << 20)
    private static let decodedDefinitions = DecodedCache<[String: JSONValue]>(capacity: 64, maxTextBytes: 24 << 20)
    private static let decodedActions = DecodedCache<ActionDefinition>(capacity: 4096, maxTextBytes: 16 << 20)

    public func list(integrationId: String, _ request: ListRequest) async throws -> Page<Action> {
        try await Self.pagination.page(
            on: driver,
            select: "SELECT * FROM actions WHERE integration_id = \(integrationId)",
            request: request,
            decode: Self.decode
        )
    }

    /// An action as a list shows it: without its definition, which for a large API is most of the row.
    public struct Summary: Sendable, Equatable {
        public var id: String
        public var name: String
        public var method: String
        public var path: String
    }

    /// The actions' summaries, searched and paged like `list` (sorting columns are selected for the cursor).
    public func summaries(integrationId: String, method: String? = nil, _ request: ListRequest) async throws -> Page<Summary> {
        var select: SQLQuery = "SELECT id, name, name_key, method, path, created_at, updated_at FROM actions WHERE integration_id = \(integrationId)"
        if let method { select = select + " AND method = \(method)" }
        return try await Self.pagination.page(
            on: driver,
            select: select,
            request: request,
            decode: { row in
                Summary(id: try row.string("id"), name: try row.string("name"), method: try row.string("method"), path: try row.string("path"))
            }
        )
    }

    public func all(integrationId: String) async throws -> [Action] {
        try await driver.query("SELECT * FROM actions WHERE integration_id = \(integrationId) ORDER BY created_at, id").map(Self.decode)
    }

    public func find(id: String, integrationId: String) async throws -> Action? {
        try await driver.query("SELECT * FROM actions WHERE id = \(id) AND integration_id = \(integrationId)").first.map(Self.decode)
    }

    /// Action `id` of the integration installation `installationId` installs, in one read.
    public func find(id: String, installationId: String) async throws -> Action? {
        try await driver.query(
            """
            SELECT a.* FROM actions a JOIN installations i ON i.integration_id = a.integration_id
            WHERE a.id = \(id) AND i.id = \(installationId)
            """
        ).first.map(Self.decode)
    }

    /// Adds one action; 409 when its name is taken.
    public func insert(_ action: Action) async throws {
        try await Self.conflictOnDuplicateName(action.definition.name) {
            try await driver.transaction { connection in try await Self.insert(action, on: connection) }
        }
    }

    /// Saves an action; false when it no longer exists, 409 when its new name is taken.
    public func update(_ action: Action) async throws -> Bool {
        try await Self.conflictOnDuplicateName(action.definition.name) {
            let rows = try await driver.query(
                """
                UPDATE actions SET name = \(action.definition.name), name_key = \(Action.nameKey(action.definition.name)),
                    method = \(action.definition.method), path = \(action.definition.path),
                    search_text = \(searchText(action.definition.name, action.definition.path)), definition = \(try Self.encode(action.definition)),
                    updated_at = \(action.updatedAt)
                WHERE id = \(action.id) AND integration_id = \(action.integrationId) RETURNING id
                """
            )
            return !rows.isEmpty
        }
    }

    public func delete(id: String, integrationId: String) async throws -> Bool {
        !(try await driver.query("DELETE FROM actions WHERE id = \(id) AND integration_id = \(integrationId) RETURNING id")).isEmpty
    }

    /// Saves renamed actions in one transaction. Names move through a temporary key first, so swapping two
    /// names does not trip the uniqueness constraint halfway (names never hold control characters, so the
    /// temporary keys cannot collide with real ones).
    public func rename(_ renamed: [Action]) async throws {
        // The plan was checked for duplicates; only a concurrent change can still collide.
        try await Self.conflictOnDuplicateName(renamed.first?.definition.name ?? "") { try await renameInTransaction(renamed) }
    }

    private func renameInTransaction(_ renamed: [Action]) async throws {
        try await driver.transaction { connection in
            for action in renamed {
                _ = try await connection.query(
                    "UPDATE actions SET name_key = \("\u{1}" + action.id) WHERE id = \(action.id) AND integration_id = \(action.integrationId)")
            }
            for action in renamed {
                let definition = action.definition
                _ = try await connection.query(
                    """
                    UPDATE actions SET name = \(definition.name), name_key = \(Action.nameKey(definition.name)),
                        search_text = \(searchText(definition.name, definition.path)), definition = \(try Self.encode(definition)),
                        updated_at = \(action.updatedAt)
                    WHERE id = \(action.id) AND integration_id = \(action.integrationId)
                    """
                )
            }
        }
    }

    /// Replaces the integration's API settings (creating the API connection of a hand-built integration), keeping
    /// the stored definitions and source.
    static func saveSettings(_ settings: APISettings, integrationId: String, at now: Int64, on connection: any DatabaseConnection) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(settings), as: UTF8.self)
        let updated = try await connection.query(
            "UPDATE integration_apis SET settings = \(text), updated_at = \(now) WHERE integration_id = \(integrationId) RETURNING integration_id")
        if updated.isEmpty {
            try await saveAPI(
                IntegrationAPI(settings: settings, definitions: [:], source: nil), integrationId: integrationId, at: now, on: connection)
        }
    }

    static func saveAPI(_ api: IntegrationAPI, integrationId: String, at now: Int64, on connection: any DatabaseConnection) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let settings = String(decoding: try encoder.encode(api.settings), as: UTF8.self)
        let definitions = String(decoding: try encoder.encode(api.definitions), as: UTF8.self)
        _ = try await connection.query(
            """
            INSERT INTO integration_apis (integration_id, settings, definitions, source, updated_at)
            VALUES (\(integrationId), \(settings), \(definitions), \(api.source), \(now))
            """
        )
    }

    static func insert(_ action: Action, on connection: any DatabaseConnection) async throws {
        let definition = action.definition
        _ = try await connection.query(
            """
            INSERT INTO actions (id, integration_id, name, name_key, method, path, search_text, definition, created_at, updated_at)
            VALUES (\(action.id), \(action.integrationId), \(definition.name), \(Action.nameKey(definition.name)), \(definition.method),
                    \(definition.path), \(searchText(definition.name, definition.path)), \(try encode(definition)), \(action.createdAt), \(action.updatedAt))
            """
        )
    }

    static func encode(_ definition: ActionDefinition) throws -> String {
        String(decoding: try JSONEncoder().encode(definition), as: UTF8.self)
    }

    static func decode(_ row: SQLRow) throws -> Action {
        Action(
            id: try row.string("id"),
            integrationId: try row.string("integration_id"),
            definition: try decodedActions.value(for: try row.string("id"), text: try row.string("definition")) {
                try JSONDecoder().decode(ActionDefinition.self, from: Data($0.utf8))
            },
            createdAt: try row.int("created_at"),
            updatedAt: try row.int("updated_at")
        )
    }

    private static func conflictOnDuplicateName<T>(_ name: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch StorageError.uniqueViolation {
            throw PatchbayError(.conflict, "An action named \"\(name.prefix(200))\" already exists in this integration.")
        }
    }
}
