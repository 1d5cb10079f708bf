import Foundation
import PatchbayCore

/// The delivery engine's side of the deliveries table: leased claims, completion and disabling.
extension DeliveryRepository {
    /// Leases up to `limit` due deliveries of webhooks that are active or failing, skipping `busyWebhooks`. A lease
    /// that expires (its instance crashed) makes the delivery claimable again. On PostgreSQL, `SKIP LOCKED` lets
    /// several instances claim side by side without waiting on each other.
    public func claimDue(owner: String, now: Int64, leaseMillis: Int64, limit: Int, busyWebhooks: Set<String>) async throws -> [Delivery] {
        var due: SQLQuery = """
            SELECT d.id FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
            WHERE d.status IN ('pending', 'retrying') AND d.next_attempt_at <= \(now)
              AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= \(now)) AND w.state IN ('active', 'failing')
            """
        for webhook in busyWebhooks.sorted() { due = due + " AND d.webhook_id <> \(webhook)" }
        due = due + " ORDER BY d.next_attempt_at, d.id LIMIT \(limit)"
        if driver.dialect == .postgres { due = due + " FOR UPDATE OF d SKIP LOCKED" }
        let rows = try await driver.query(
            "UPDATE deliveries SET lease_owner = \(owner), lease_expires_at = \(now + leaseMillis) WHERE id IN (\(due)) RETURNING *"
        )
        return try rows.map(Self.decode).sorted { ($0.nextAttemptAt ?? 0, $0.id) < ($1.nextAttemptAt ?? 0, $1.id) }
    }

    /// Clears every lease. Only for SQLite at start-up: one process owns the file, so any lease found then belongs to
    /// a process that died, and waiting for it to expire would only delay recovery.
    public func releaseAllLeases() async throws -> Int {
        try await driver.query("UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner IS NOT NULL RETURNING id").count
    }

    /// Gives leased deliveries back without an attempt (their webhook was paused meanwhile, or the worker is full).
    public func release(_ ids: [String], owner: String) async throws {
        for id in ids {
            _ = try await driver.query(
                "UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL WHERE id = \(id) AND lease_owner = \(owner)")
        }
    }

    /// Records an attempt and the delivery's new status, and the webhook's last trigger and state, in one transaction.
    public func complete(
        _ delivery: Delivery,
        attempt: DeliveryAttempt,
        status: Delivery.Status,
        nextAttemptAt: Int64?,
        webhookState: Webhook.State
    ) async throws {
        try await driver.transaction { connection in
            try await Self.insert(attempt, on: connection)
            _ = try await connection.query(
                """
                UPDATE deliveries SET status = \(status.rawValue), attempt_count = attempt_count + 1, next_attempt_at = \(nextAttemptAt),
                    last_attempt_at = \(attempt.sentAt), lease_owner = NULL, lease_expires_at = NULL, updated_at = \(attempt.sentAt)
                WHERE id = \(delivery.id)
                """
            )
            _ = try await connection.query(
                """
                UPDATE webhooks SET last_triggered_at = \(attempt.sentAt), last_status = \(attempt.statusCode.map(Int64.init)),
                    state = CASE WHEN state IN ('paused', 'disabled') THEN state ELSE \(webhookState.rawValue) END
                WHERE id = \(delivery.webhookId)
                """
            )
        }
    }

    /// Whether the webhook has had a successful delivery attempt since `since`.
    public func hasSucceeded(webhookId: String, since: Int64) async throws -> Bool {
        let rows = try await driver.query(
            """
            SELECT COUNT(*) AS n FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
            WHERE d.webhook_id = \(webhookId) AND a.result = 'success' AND a.sent_at >= \(since)
            """
        )
        return try rows.first?.int("n") ?? 0 > 0
    }

    /// The events of a delivery, in the order the delivery lists them.
    public func events(_ ids: [String]) async throws -> [Event] {
        var events: [Event] = []
        for id in ids {
            if let row = try await driver.query("SELECT * FROM events WHERE id = \(id)").first { events.append(try EventRepository.decode(row)) }
        }
        return events
    }
}

extension WebhookRepository {
    public func find(id: String) async throws -> Webhook? {
        try await driver.query("SELECT * FROM webhooks WHERE id = \(id)").first.map(decode)
    }

    /// Disables the webhook and emits `webhook.disabled` (to the organization's other webhooks) in one transaction.
    public func disable(_ webhook: Webhook, event: Event, at now: Int64) async throws {
        try await driver.transaction { connection in
            _ = try await connection.query("UPDATE webhooks SET state = 'disabled', updated_at = \(now) WHERE id = \(webhook.id)")
            try await EventRepository.insert(event, on: connection)
        }
    }
}

extension DeliveryRepository {
    /// Queues the events of existing deliveries again as new pending deliveries (resend one, or recover many), so
    /// the old ones keep their history; returns the new deliveries.
    public func requeue(_ deliveries: [Delivery], now: Int64) async throws -> [Delivery] {
        try await driver.transaction { connection in
            var queued: [Delivery] = []
            for old in deliveries {
                let fresh = Delivery(
                    id: Identifier.make(.delivery, nowMillis: now), webhookId: old.webhookId, organizationId: old.organizationId,
                    eventIds: old.eventIds, status: .pending, attemptCount: 0, nextAttemptAt: now, lastAttemptAt: nil, createdAt: now
                )
                _ = try await connection.query(
                    """
                    INSERT INTO deliveries (id, webhook_id, organization_id, event_ids, status, attempt_count, next_attempt_at, created_at, updated_at)
                    VALUES (\(fresh.id), \(fresh.webhookId), \(fresh.organizationId), \(try WebhookRepository.json(fresh.eventIds)),
                            \(fresh.status.rawValue), \(0), \(now), \(now), \(now))
                    """
                )
                queued.append(fresh)
            }
            return queued
        }
    }

    /// Failed deliveries of a webhook created since `since` (oldest first, at most `limit`).
    public func failed(webhookId: String, since: Int64, limit: Int) async throws -> [Delivery] {
        try await driver.query(
            """
            SELECT * FROM deliveries WHERE webhook_id = \(webhookId) AND status = 'failed' AND created_at >= \(since)
            ORDER BY created_at, id LIMIT \(limit)
            """
        ).map(Self.decode)
    }
}
