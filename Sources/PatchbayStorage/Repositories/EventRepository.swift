import Foundation
import PatchbayCore

/// The transactional outbox: events are inserted on the connection of the change they describe.
public struct EventRepository: Sendable {
    let driver: any DatabaseDriver
    let combiner: PublishCombiner

    /// Inserts `event` inside the caller's transaction, with a pending delivery for every webhook it goes to.
    static func insert(_ event: Event, on connection: any DatabaseConnection) async throws {
        try await insertRow(event, on: connection)
        try await DeliveryRepository.fanOut([event], on: connection)
    }

    /// Inserts the event row only; the caller fans out.
    static func insertRow(_ event: Event, on connection: any DatabaseConnection) async throws {
        try await insertRows([event], on: connection)
    }

    /// Inserts event rows in multi-row statements (a batch publish is a few statements, not a thousand).
    static func insertRows(_ events: [Event], on connection: any DatabaseConnection) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // 7 values a row: 500 rows stay far below both databases' bound-parameter limits.
        for start in stride(from: 0, to: events.count, by: 500) {
            let rows = try events[start..<min(start + 500, events.count)].map { event -> SQLQuery in
                let actor = String(decoding: try encoder.encode(event.actor), as: UTF8.self)
                let data = String(decoding: try encoder.encode(event.data), as: UTF8.self)
                return "(\(event.id), \(event.organizationId), \(event.organizationPath.value), \(event.type), \(actor), \(data), \(event.createdAt))"
            }
            _ = try await connection.query(
                """
                INSERT INTO events (id, organization_id, organization_path, type, actor, data, created_at)
                VALUES \(SQLQuery.joined(rows, separator: ", "))
                """
            )
        }
    }

    /// Events of one organization (or of its whole subtree), oldest first, after the cursor's sequence.
    public func list(
        organization: Organization,
        includeDescendants: Bool,
        type: String?,
        after sequence: Int64?,
        limit: Int
    ) async throws -> (events: [Event], hasMore: Bool) {
        var query: SQLQuery =
            includeDescendants
            ? "SELECT * FROM events WHERE organization_path LIKE \(KeysetPagination.prefixPattern(organization.path)) ESCAPE '\\'"
            : "SELECT * FROM events WHERE organization_id = \(organization.id)"
        if let type { query = query + " AND type = \(type)" }
        if let sequence { query = query + " AND seq > \(sequence)" }
        query = query + " ORDER BY seq ASC LIMIT \(limit + 1)"
        var rows = try await driver.query(query)
        let hasMore = rows.count > limit
        if hasMore { rows.removeLast() }
        return (try rows.map(Self.decode), hasMore)
    }

    static func decode(_ row: SQLRow) throws -> Event {
        let decoder = JSONDecoder()
        return Event(
            id: try row.string("id"),
            type: try row.string("type"),
            organizationId: try row.string("organization_id"),
            organizationPath: OrganizationPath(rawValue: try row.string("organization_path")),
            actor: try decoder.decode(Actor.self, from: Data(try row.string("actor").utf8)),
            data: try decoder.decode(JSONValue.self, from: Data(try row.string("data").utf8)),
            createdAt: try row.int("created_at"),
            sequence: try row.int("seq")
        )
    }
}
