import Foundation
import PatchbayCore

/// Deliveries: the work queue of the delivery engine and the history users read.
public struct DeliveryRepository: Sendable {
    let driver: any DatabaseDriver
    static let pagination = KeysetPagination(columns: ["createdAt": "created_at", "status": "status", "updatedAt": "updated_at"])

    /// Writes one pending delivery per (event, subscribed webhook) inside the caller's transaction. Webhooks that are
    /// paused or disabled get none: their events are not queued behind their back (recover re-sends on request).
    static func fanOut(_ events: [Event], on connection: any DatabaseConnection) async throws {
        guard !events.isEmpty else { return }
        var webhooksByOrganization: [String: [(id: String, types: [String])]] = [:]
        for organizationId in Set(events.map(\.organizationId)) {
            let rows = try await connection.query(
                "SELECT id, event_types FROM webhooks WHERE organization_id = \(organizationId) AND state IN ('active', 'failing')"
            )
            webhooksByOrganization[organizationId] = try rows.map { row in
                (try row.string("id"), try JSONDecoder().decode([String].self, from: Data(try row.string("event_types").utf8)))
            }
        }
        for event in events {
            for webhook in webhooksByOrganization[event.organizationId] ?? [] where webhook.types.isEmpty || webhook.types.contains(event.type) {
                let ids = String(decoding: try JSONEncoder().encode([event.id]), as: UTF8.self)
                _ = try await connection.query(
                    """
                    INSERT INTO deliveries (id, webhook_id, organization_id, event_ids, status, attempt_count, next_attempt_at, created_at, updated_at)
                    VALUES (\(Identifier.make(.delivery, nowMillis: event.createdAt)), \(webhook.id), \(event.organizationId), \(ids),
                            \(Delivery.Status.pending.rawValue), \(0), \(event.createdAt), \(event.createdAt), \(event.createdAt))
                    """
                )
            }
        }
    }

    public func list(webhookId: String, status: Delivery.Status?, _ request: ListRequest) async throws -> Page<Delivery> {
        var select: SQLQuery = "SELECT * FROM deliveries WHERE webhook_id = \(webhookId)"
        if let status { select = select + " AND status = \(status.rawValue)" }
        return try await Self.pagination.page(on: driver, select: select, request: request, decode: Self.decode)
    }

    public func find(id: String, webhookId: String) async throws -> Delivery? {
        try await driver.query("SELECT * FROM deliveries WHERE id = \(id) AND webhook_id = \(webhookId)").first.map(Self.decode)
    }

    static func decode(_ row: SQLRow) throws -> Delivery {
        Delivery(
            id: try row.string("id"),
            webhookId: try row.string("webhook_id"),
            organizationId: try row.string("organization_id"),
            eventIds: try JSONDecoder().decode([String].self, from: Data(try row.string("event_ids").utf8)),
            status: Delivery.Status(rawValue: try row.string("status")) ?? .pending,
            attemptCount: Int(try row.int("attempt_count")),
            nextAttemptAt: try row.optionalInt("next_attempt_at"),
            lastAttemptAt: try row.optionalInt("last_attempt_at"),
            createdAt: try row.int("created_at")
        )
    }
}
