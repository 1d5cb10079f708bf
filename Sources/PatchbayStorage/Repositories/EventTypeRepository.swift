import Foundation
import PatchbayCore

/// Event types registered by the host (built-in types live in `EventCatalog`).
public struct EventTypeRepository: Sendable {
    let driver: any DatabaseDriver

    /// Registers a type; 409 when the name is taken.
    public func insert(_ type: EventType) async throws {
        let now = type.createdAt ?? 0
        do {
            _ = try await driver.query(
                """
                INSERT INTO event_types (name, description, schema, example, search_text, created_at, updated_at)
                VALUES (\(type.name), \(type.description), \(type.schema.map { Self.encode($0.document) }), \(Self.encode(type.example)),
                        \(searchText(type.name, type.description)), \(now), \(now))
                """
            )
        } catch StorageError.uniqueViolation {
            throw PatchbayError(
                .conflict, "Event type \(type.name) is already registered.", errors: [FieldError(pointer: "/name", "is already registered")])
        }
    }

    public func find(name: String) async throws -> EventType? {
        try await driver.query("SELECT * FROM event_types WHERE name = \(name)").first.map(Self.decode)
    }

    /// Every host type, by name (a catalog is small: hundreds, not millions).
    public func all(search: String?) async throws -> [EventType] {
        var query: SQLQuery = "SELECT * FROM event_types WHERE 1 = 1"
        if let search, !search.isEmpty { query = query + " AND search_text LIKE \(KeysetPagination.likePattern(search)) ESCAPE '\\'" }
        return try await driver.query(query + " ORDER BY name LIMIT 10000").map(Self.decode)
    }

    static func encode(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    static func decode(_ row: SQLRow) throws -> EventType {
        let decoder = JSONDecoder()
        let schema = try row.optionalString("schema").map { try decoder.decode(JSONValue.self, from: Data($0.utf8)) }
        return EventType(
            name: try row.string("name"),
            description: try row.string("description"),
            schema: try schema.map { try JSONSchema($0) },
            example: try decoder.decode(JSONValue.self, from: Data(try row.string("example").utf8)),
            builtIn: false,
            createdAt: try row.int("created_at")
        )
    }
}
