import PatchbayCore

/// Deletes what is past retention, one small batch of each kind per call, so a purge never holds the database (or
/// SQLite's single writer) for long and a large backlog is worked off over many short transactions.
public struct RetentionRepository: Sendable {
    let driver: any DatabaseDriver

    /// What one batch removed, by kind. `heldDeliveries` and `pendingDeliveries` are among `deliveries`: retention is
    /// the only thing that removes a held delivery, so those are counted apart.
    public struct Removed: Sendable, Equatable {
        public var events = 0
        public var deliveries = 0
        public var heldDeliveries = 0
        public var pendingDeliveries = 0
        public var attempts = 0
        public var inboundRequests = 0
        public var idempotencyKeys = 0
        /// Command invocations with their deferred responses.
        public var commandInvocations = 0
        public var commandResponses = 0

        public init() {}

        public var total: Int {
            events + deliveries + attempts + inboundRequests + idempotencyKeys + commandInvocations + commandResponses
        }

        public static func + (lhs: Removed, rhs: Removed) -> Removed {
            var sum = lhs
            sum.events += rhs.events
            sum.deliveries += rhs.deliveries
            sum.heldDeliveries += rhs.heldDeliveries
            sum.pendingDeliveries += rhs.pendingDeliveries
            sum.attempts += rhs.attempts
            sum.inboundRequests += rhs.inboundRequests
            sum.idempotencyKeys += rhs.idempotencyKeys
            sum.commandInvocations += rhs.commandInvocations
            sum.commandResponses += rhs.commandResponses
            return sum
        }
    }

    /// Removes up to `batchSize` of each kind created before `cutoff` (idempotency keys before `idempotencyCutoff`).
    /// Nothing created at or after `cutoff` is touched, whatever its status; nor is a pending or retrying delivery
    /// changed since then (a batch that folded younger events into an older delivery keeps the older one's age).
    public func purgeBatch(before cutoff: Int64, idempotencyBefore idempotencyCutoff: Int64, batchSize: Int) async throws -> Removed {
        let limit = max(1, batchSize)
        // One transaction for all kinds: one commit (one sync on SQLite) per batch.
        let (removed, deliveries) = try await driver.transaction { connection -> (Removed, [String]) in
            var removed = Removed()
            let batch = try await connection.query(
                """
                SELECT id FROM deliveries WHERE created_at < \(cutoff)
                    AND (status NOT IN ('pending', 'retrying') OR updated_at < \(cutoff))
                ORDER BY created_at, id LIMIT \(limit)
                """
            ).map { try $0.string("id") }
            if !batch.isEmpty {
                let ids = DeliveryRepository.list(batch)
                removed.attempts = try await connection.query("DELETE FROM delivery_attempts WHERE delivery_id IN (\(ids)) RETURNING id").count
                let statuses = try await connection.query(
                    "DELETE FROM deliveries WHERE id IN (\(ids)) AND created_at < \(cutoff) RETURNING status"
                ).map { try $0.string("status") }
                removed.deliveries = statuses.count
                removed.heldDeliveries = statuses.count { $0 == Delivery.Status.held.rawValue }
                removed.pendingDeliveries = statuses.count {
                    $0 == Delivery.Status.pending.rawValue || $0 == Delivery.Status.retrying.rawValue
                }
            }
            removed.events = try await connection.query(
                """
                DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE created_at < \(cutoff) ORDER BY created_at, seq LIMIT \(limit))
                RETURNING seq
                """
            ).count
            removed.inboundRequests = try await connection.query(
                """
                DELETE FROM inbound_requests WHERE id IN
                    (SELECT id FROM inbound_requests WHERE received_at < \(cutoff) ORDER BY received_at, id LIMIT \(limit)) RETURNING id
                """
            ).count
            removed.idempotencyKeys = try await connection.query(
                """
                DELETE FROM idempotency_keys WHERE (organization_id, idempotency_key) IN
                    (SELECT organization_id, idempotency_key FROM idempotency_keys WHERE created_at < \(idempotencyCutoff)
                     ORDER BY created_at LIMIT \(limit))
                RETURNING created_at
                """
            ).count
            removed.commandInvocations = try await connection.query(
                """
                DELETE FROM command_invocations WHERE id IN
                    (SELECT id FROM command_invocations WHERE created_at < \(cutoff) ORDER BY created_at, id LIMIT \(limit)) RETURNING id
                """
            ).count
            removed.commandResponses = try await connection.query(
                """
                DELETE FROM command_responses WHERE (invocation_id, seq) IN
                    (SELECT invocation_id, seq FROM command_responses WHERE received_at < \(cutoff) ORDER BY received_at LIMIT \(limit))
                RETURNING seq
                """
            ).count
            return (removed, batch)
        }
        // A pending delivery removed here may still look due to a claim whose snapshot predates the removal.
        driver.deliveryLeases?.end(deliveries)
        return removed
    }
}
