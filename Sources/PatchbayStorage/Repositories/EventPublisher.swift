import Foundation
import PatchbayCore

/// A publish request's idempotency: the key, a hash of the request it was first used with, and how old a
/// stored key may be and still count.
public struct IdempotencyKey: Sendable {
    public static let lifetimeMillis: Int64 = 24 * 3_600_000

    public var key: String
    public var requestHash: String
    public var now: Int64

    public init(key: String, requestHash: String, now: Int64) {
        self.key = key
        self.requestHash = requestHash
        self.now = now
    }
}

/// What a publish did: stored new events, or found the key and returned the first request's events.
public enum PublishOutcome: Sendable {
    case published([Event])
    case replayed([Event])
}

extension EventRepository {
    /// Stores host events (all or none) in one transaction, honouring an idempotency key.
    /// The delivery rows for matching webhooks are written in this same transaction.
    public func publish(_ events: [Event], organizationId: String, idempotency: IdempotencyKey?) async throws -> PublishOutcome {
        guard idempotency != nil else {
            // Without a key there is nothing to look up first: the publish can share a transaction with others.
            try await combiner.publish(events)
            return .published(events)
        }
        do {
            return try await publishOnce(events, organizationId: organizationId, idempotency: idempotency)
        } catch StorageError.uniqueViolation where idempotency != nil {
            // A concurrent request with the same key won the race; answer with what it stored.
            return try await publishOnce(events, organizationId: organizationId, idempotency: idempotency)
        }
    }

    private func publishOnce(_ events: [Event], organizationId: String, idempotency: IdempotencyKey?) async throws -> PublishOutcome {
        try await driver.transaction { connection in
            if let idempotency {
                let rows = try await connection.query(
                    """
                    SELECT request_hash, event_ids, created_at FROM idempotency_keys
                    WHERE organization_id = \(organizationId) AND idempotency_key = \(idempotency.key)
                    """
                )
                if let row = rows.first {
                    if try row.int("created_at") > idempotency.now - IdempotencyKey.lifetimeMillis {
                        guard try row.string("request_hash") == idempotency.requestHash else {
                            throw PatchbayError(
                                .conflict,
                                "This Idempotency-Key was used in the last 24 hours with a different request.",
                                errors: [FieldError(parameter: "Idempotency-Key", "was used with a different request")]
                            )
                        }
                        let ids = try JSONDecoder().decode([String].self, from: Data(try row.string("event_ids").utf8))
                        let stored = try await Self.events(ids, on: connection)
                        // Retention may have removed the events before the key's 24 hours ran out: then the key is
                        // spent and the request publishes anew, rather than replaying nothing.
                        if stored.count == ids.count, !stored.isEmpty { return .replayed(stored) }
                    }
                    _ = try await connection.query(
                        "DELETE FROM idempotency_keys WHERE organization_id = \(organizationId) AND idempotency_key = \(idempotency.key)"
                    )
                }
            }
            try await Self.insertRows(events, on: connection)
            try await DeliveryRepository.fanOut(events, on: connection)
            if let idempotency {
                let ids = String(decoding: try JSONEncoder().encode(events.map(\.id)), as: UTF8.self)
                _ = try await connection.query(
                    """
                    INSERT INTO idempotency_keys (organization_id, idempotency_key, request_hash, event_ids, created_at)
                    VALUES (\(organizationId), \(idempotency.key), \(idempotency.requestHash), \(ids), \(idempotency.now))
                    """
                )
            }
            return .published(events)
        }
    }

    private static func events(_ ids: [String], on connection: any DatabaseConnection) async throws -> [Event] {
        var events: [Event] = []
        for id in ids {
            if let row = try await connection.query("SELECT * FROM events WHERE id = \(id)").first { events.append(try decode(row)) }
        }
        return events
    }
}
