import Foundation
import PatchbayCore
import Synchronization

/// The delivery engine's side of the deliveries table: leased claims, completion and disabling.
extension DeliveryRepository {
    /// Leases up to `limit` due deliveries of webhooks that are active or failing, skipping `busyWebhooks` and the
    /// webhooks of `busyOrganizations` (those that hold their share of the worker's room already). A lease
    /// that expires (its instance crashed) makes the delivery claimable again. On PostgreSQL, `SKIP LOCKED` lets
    /// several instances claim side by side without waiting on each other.
    public func claimDue(
        owner: String, now: Int64, leaseMillis: Int64, limit: Int, busyWebhooks: Set<String>, busyOrganizations: Set<String> = []
    ) async throws -> [Delivery] {
        try await claim(
            owner: owner, now: now, leaseMillis: leaseMillis, limit: limit, busyWebhooks: busyWebhooks, busyOrganizations: busyOrganizations
        ).deliveries
    }

    /// What a claim leased, and whether it searched past the due deliveries of busy webhooks to find them.
    public struct Claim: Sendable {
        public var deliveries: [Delivery]
        /// The oldest due deliveries were all busy webhooks' and the search went on past them (a search that reads
        /// every due row of those webhooks, so a caller that found nothing this way should not repeat it at once).
        public var searchedPastBusy: Bool
        /// The window of oldest due rows was full and every row in it was a busy webhook's (SQLite): until one of those
        /// webhooks has room, the same claim reads the same window again, whatever is published meanwhile (new rows
        /// come after it).
        public var windowAllBusy = false
    }

    /// `claimDue`, with control over the costly case. Leased deliveries are out of the claim's range: on PostgreSQL
    /// the lease moves the row's `next_attempt_at` to the lease's end (when it is due again if its instance dies);
    /// on SQLite the claim leaves out the ids its process holds (`DeliveryLeases`). The oldest `2 × limit` due rows
    /// (`limit` when no webhook is busy) are read first and the busy webhooks' are passed over here; only when they
    /// fill that window, and `searchPastBusy` allows it, does a search skip the busy webhooks in SQL, reading every
    /// due row of theirs (22 ms at 100k rows).
    public func claim(
        owner: String, now: Int64, leaseMillis: Int64, limit: Int, busyWebhooks: Set<String>, busyOrganizations: Set<String> = [],
        searchPastBusy: Bool = true
    ) async throws -> Claim {
        let due: SQLQuery = """
            FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
            WHERE d.status IN ('pending', 'retrying') AND d.next_attempt_at <= \(now)
              AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= \(now)) AND w.state IN ('active', 'failing')
            """
        var notBusy: SQLQuery = ""
        for webhook in busyWebhooks.sorted() { notBusy = notBusy + " AND d.webhook_id <> \(webhook)" }
        for organization in busyOrganizations.sorted() { notBusy = notBusy + " AND w.organization_id <> \(organization)" }
        let order: SQLQuery = " ORDER BY d.next_attempt_at, d.id"
        if let leases = driver.deliveryLeases {
            return try await claim(
                from: due, notBusy: notBusy, order: order, leases: leases, owner: owner, now: now, until: now + leaseMillis, limit: limit,
                busyWebhooks: busyWebhooks, busyOrganizations: busyOrganizations, searchPastBusy: searchPastBusy)
        }
        let lease: SQLQuery =
            "UPDATE deliveries SET lease_owner = \(owner), lease_expires_at = \(now + leaseMillis), next_attempt_at = \(now + leaseMillis)"
        let rows = try await driver.query(
            lease + " WHERE id IN (SELECT d.id " + due + notBusy + order + " LIMIT \(limit) FOR UPDATE OF d SKIP LOCKED) RETURNING *")
        // Creation order: the claim moved `next_attempt_at`, and a webhook's lane sends oldest first.
        let deliveries = try rows.map(Self.decode).sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        return Claim(deliveries: deliveries, searchedPastBusy: !busyWebhooks.isEmpty || !busyOrganizations.isEmpty)
    }

    /// A claim on a database only this process uses: reads on a reader, off the single writer, then takes the leases
    /// in memory. Nothing is written: the row stays as it was until its attempt is recorded.
    private func claim(
        from due: SQLQuery, notBusy: SQLQuery, order: SQLQuery, leases: DeliveryLeases, owner: String, now: Int64, until: Int64, limit: Int,
        busyWebhooks: Set<String>, busyOrganizations: Set<String>, searchPastBusy: Bool
    ) async throws -> Claim {
        let read = leases.beginRead(now: now)
        var searchedPastBusy = false
        var windowAllBusy = false
        let picked: [Delivery]
        do {
            // One JSON array of the leased ids keeps the statement's text the same, so it stays compiled; SQLite
            // reads it once into a temporary index and passes the leased rows over in the claim index.
            let unleased = due + " AND d.id NOT IN (SELECT value FROM json_each(\(JSONText.array(read.leased))))"
            // Room to pass over busy webhooks' rows; with none busy, every due row in it is taken.
            let windowSize = busyWebhooks.isEmpty && busyOrganizations.isEmpty ? limit : 2 * limit
            let window = try await driver.query(
                "SELECT d.*, w.organization_id AS webhook_organization_id " + unleased + order + " LIMIT \(windowSize)")
            var rows: [SQLRow] = []
            for row in window where rows.count < limit {
                guard try !busyWebhooks.contains(row.string("webhook_id")),
                    try !busyOrganizations.contains(row.string("webhook_organization_id"))
                else { continue }
                rows.append(row)
            }
            windowAllBusy = rows.isEmpty && window.count == windowSize
            if windowAllBusy, searchPastBusy {
                searchedPastBusy = true
                rows = try await driver.query("SELECT d.* " + unleased + notBusy + order + " LIMIT \(limit)")
            }
            picked = try rows.map(Self.decode)
        } catch {
            leases.endRead(read)
            throw error
        }
        let taken = Set(leases.take(picked.map(\.id), owner: owner, now: now, until: until, read: read))
        // Due again when the lease ends, as a lease written to the row would say.
        let deliveries = picked.filter { taken.contains($0.id) }.map { delivery in
            var leased = delivery
            leased.nextAttemptAt = until
            return leased
        }
        // Creation order: a webhook's lane sends oldest first.
        return Claim(
            deliveries: deliveries.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }, searchedPastBusy: searchedPastBusy,
            windowAllBusy: windowAllBusy)
    }

    /// Clears every lease, making those deliveries due at once. Only for SQLite at start-up: one process owns the
    /// file, so any lease found then belongs to a process that died, and waiting for it to expire would only delay
    /// recovery.
    public func releaseAllLeases(now: Int64) async throws -> Int {
        let inMemory = driver.deliveryLeases?.releaseAll(now: now) ?? 0
        // Rows leased by an earlier version, which wrote SQLite's leases too.
        return try await inMemory
            + driver.query(
                """
                UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL,
                    next_attempt_at = CASE WHEN status IN ('pending', 'retrying') THEN \(Self.dueAgain(now: now)) ELSE next_attempt_at END
                WHERE lease_owner IS NOT NULL RETURNING id
                """
            ).count
    }

    /// Gives leased deliveries back without an attempt (their webhook was paused meanwhile, or the worker stopped
    /// before sending them): due again at once.
    public func release(_ ids: [String], owner: String, now: Int64) async throws {
        guard !ids.isEmpty else { return }
        if let leases = driver.deliveryLeases {
            // The claim left the row as it was: due as before (at its creation, when never attempted).
            _ = leases.release(ids, owner: owner)
            return
        }
        _ = try await driver.query(
            """
            UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = \(Self.dueAgain(now: now))
            WHERE id IN (\(Self.list(ids))) AND lease_owner = \(owner)
            """
        )
    }

    /// When a released delivery is due: one never attempted takes its place again (it was due at its creation, so it
    /// goes out before the events published after it); a retry is due now.
    private static func dueAgain(now: Int64) -> SQLQuery {
        "CASE WHEN attempt_count = 0 THEN created_at ELSE CAST(\(now) AS BIGINT) END"
    }

    /// Gives leased deliveries back, due again at `until`, without an attempt (their webhook's rate limit is spent).
    public func postpone(_ ids: [String], until: Int64, owner: String) async throws {
        guard !ids.isEmpty else { return }
        if let leases = driver.deliveryLeases {
            let held = leases.held(ids, by: owner, now: nil)
            guard !held.isEmpty else { return }
            // Written before the lease ends, and ended as a recorded attempt ends one: a claim whose snapshot
            // predates the write would see the delivery due now.
            _ = try await driver.query("UPDATE deliveries SET next_attempt_at = \(until) WHERE id IN (\(Self.list(held)))")
            leases.end(held)
            return
        }
        _ = try await driver.query(
            """
            UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = \(until)
            WHERE id IN (\(Self.list(ids))) AND lease_owner = \(owner)
            """
        )
    }

    /// Records an attempt and the delivery's new status, and the webhook's last trigger and state, in one transaction.
    public func complete(
        _ delivery: Delivery,
        attempt: DeliveryAttempt,
        status: Delivery.Status,
        nextAttemptAt: Int64?,
        webhookState: Webhook.State
    ) async throws {
        try await complete([
            DeliveryCompletion(delivery: delivery, attempt: attempt, status: status, nextAttemptAt: nextAttemptAt, webhookState: webhookState)
        ])
    }

    /// Records many attempts in one transaction of a few multi-row statements: the engine's group commit, so each
    /// delivery does not pay for a transaction of its own. A delivery deleted meanwhile (its webhook was deleted while
    /// it was in flight) has nothing to record and is skipped; returns the ids of those skipped.
    @discardableResult
    public func complete(_ completions: [DeliveryCompletion]) async throws -> Set<String> {
        guard !completions.isEmpty else { return [] }
        if driver.dialect == .sqlite { return try await completeOnSQLite(completions) }
        // The rows are rendered before the transaction: the single writer is held for the writing only.
        let rendered = try completions.map { (completion: $0, row: try Self.values(of: $0.attempt)) }
        let gone = try await driver.transaction { connection in
            // On PostgreSQL the rows are held against a concurrent delete until the attempts are in.
            var existing: SQLQuery = "SELECT id FROM deliveries WHERE id IN (\(Self.list(Set(completions.map(\.delivery.id)).sorted())))"
            if connection.dialect == .postgres { existing = existing + " ORDER BY id FOR KEY SHARE" }
            let present = Set(try await connection.query(existing).map { try $0.string("id") })
            let gone = Set(completions.map(\.delivery.id)).subtracting(present)
            let recorded = rendered.filter { present.contains($0.completion.delivery.id) }
            let completions = recorded.map(\.completion)
            guard !completions.isEmpty else { return gone }
            // 13 values a row for attempts, 4 for updates: 200 rows stay far below both databases' parameter limits.
            for start in stride(from: 0, to: completions.count, by: 200) {
                let chunk = completions[start..<min(start + 200, completions.count)]
                let attempts = recorded[start..<min(start + 200, recorded.count)].map(\.row)
                _ = try await connection.query(
                    """
                    INSERT INTO delivery_attempts (id, delivery_id, sent_at, url, status_code, result, duration_ms, request_headers, request_body,
                                                   response_headers, response_body, error, signed_with)
                    VALUES \(SQLQuery.joined(attempts, separator: ", "))
                    """
                )
                // A VALUES list, not a UNION ALL of SELECTs: SQLite compiles a compound SELECT term by term, recursively,
                // and that showed as its own tower in the delivery path's flame graph.
                let updates = chunk.map { completion -> SQLQuery in
                    """
                    (\(completion.delivery.id), \(completion.status.rawValue), CAST(\(completion.nextAttemptAt) AS BIGINT),
                     CAST(\(completion.attempt.sentAt) AS BIGINT))
                    """
                }
                _ = try await connection.query(
                    """
                    WITH v(id, status, next_at, sent_at) AS (VALUES \(SQLQuery.joined(updates, separator: ", ")))
                    UPDATE deliveries SET status = v.status, attempt_count = attempt_count + 1, next_attempt_at = v.next_at,
                        last_attempt_at = v.sent_at, lease_owner = NULL, lease_expires_at = NULL, updated_at = v.sent_at
                    FROM v WHERE deliveries.id = v.id
                    """
                )
            }
            try await Self.recordLatestAttempts(of: completions, at: Array(completions.indices), on: connection)
            return gone
        }
        // Committed: these deliveries are no longer leased (nor due, unless retrying). A failed write leaves them
        // leased, so they are not sent again before their lease runs out.
        driver.deliveryLeases?.end(completions.map(\.delivery.id))
        return gone
    }

    /// SQLite's group commit. The transaction runs on the writer's own thread, so a statement costs no trip; what
    /// costs is compiling one. Rows go in chunks of fixed sizes (`sqliteChunks`), so the few statement texts stay
    /// compiled: one multi-row statement per batch was a new text at every batch size, parsed and planned anew at
    /// each commit (a tenth of the writer's time), and one statement per row paid SQLite's per-statement work 128
    /// times.
    private func completeOnSQLite(_ completions: [DeliveryCompletion]) async throws -> Set<String> {
        // The rows are rendered before the transaction: the single writer is held for the writing only.
        let rows = try completions.map { try Self.values(of: $0.attempt) }
        let updates = completions.map { completion -> SQLQuery in
            "(\(completion.delivery.id), \(completion.status.rawValue), \(completion.nextAttemptAt), \(completion.attempt.sentAt))"
        }
        let gone = try await driver.transaction { connection in
            // RETURNING names the deliveries still there (a webhook deleted meanwhile took its deliveries with it).
            var present: Set<String> = []
            for chunk in Self.sqliteChunks(completions.count) {
                let updated = try await connection.query(
                    """
                    WITH v(id, status, next_at, sent_at) AS (VALUES \(SQLQuery.joined(updates[chunk], separator: ", ")))
                    UPDATE deliveries SET status = v.status, attempt_count = attempt_count + 1, next_attempt_at = v.next_at,
                        last_attempt_at = v.sent_at, lease_owner = NULL, lease_expires_at = NULL, updated_at = v.sent_at
                    FROM v WHERE deliveries.id = v.id RETURNING deliveries.id AS id
                    """
                )
                for row in updated { present.insert(try row.string("id")) }
            }
            let recorded = completions.indices.filter { present.contains(completions[$0].delivery.id) }
            for chunk in Self.sqliteChunks(recorded.count) {
                _ = try await connection.query(
                    """
                    INSERT INTO delivery_attempts (id, delivery_id, sent_at, url, status_code, result, duration_ms, request_headers, request_body,
                                                   response_headers, response_body, error, signed_with)
                    VALUES \(SQLQuery.joined(recorded[chunk].map { rows[$0] }, separator: ", "))
                    """
                )
            }
            try await Self.recordLatestAttempts(of: completions, at: recorded, on: connection)
            return Set(completions.map(\.delivery.id)).subtracting(present)
        }
        driver.deliveryLeases?.end(completions.map(\.delivery.id))
        return gone
    }

    /// Each webhook's last trigger, status and state, from its latest attempt among `completions[indices]`.
    private static func recordLatestAttempts(
        of completions: [DeliveryCompletion], at indices: [Int], on connection: any DatabaseConnection
    ) async throws {
        var latest: [String: Int] = [:]
        for index in indices {
            let webhookId = completions[index].delivery.webhookId
            if completions[index].attempt.sentAt >= latest[webhookId].map({ completions[$0].attempt.sentAt }) ?? .min {
                latest[webhookId] = index
            }
        }
        for (webhookId, index) in latest.sorted(by: { $0.key < $1.key }) {
            let attempt = completions[index].attempt
            _ = try await connection.query(
                """
                UPDATE webhooks SET last_triggered_at = \(attempt.sentAt), last_status = \(attempt.statusCode.map(Int64.init)),
                    state = CASE WHEN state IN ('paused', 'disabled') THEN state ELSE \(completions[index].webhookState.rawValue) END
                WHERE id = \(webhookId)
                """
            )
        }
    }

    /// `count` rows cut into chunks of 16, then 4, then 1: at most three statement texts per kind of write, each
    /// within what SQLite's handle keeps compiled (16 attempts are 208 values).
    static func sqliteChunks(_ count: Int) -> [Range<Int>] {
        var chunks: [Range<Int>] = []
        var start = 0
        for size in [16, 4, 1] {
            while count - start >= size {
                chunks.append(start..<start + size)
                start += size
            }
        }
        return chunks
    }

    /// The queue at a glance, for `/v1/health`: deliveries waiting to be sent (pending or retrying), those held for
    /// paused or disabled webhooks, and the creation time of the oldest waiting one.
    public func queueSummary() async throws -> (pending: Int, held: Int, oldestPendingAt: Int64?) {
        let rows = try await driver.query(
            """
            SELECT (SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'retrying')) AS pending,
                   (SELECT COUNT(*) FROM deliveries WHERE status = 'held') AS held,
                   (SELECT MIN(created_at) FROM deliveries WHERE status IN ('pending', 'retrying')) AS oldest
            """
        )
        guard let row = rows.first else { return (0, 0, nil) }
        return (Int(try row.int("pending")), Int(try row.int("held")), try row.optionalInt("oldest"))
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

    /// The events with these ids, by id, in one query.
    public func events(_ ids: some Collection<String>) async throws -> [String: Event] {
        var events: [String: Event] = [:]
        let unique = Array(Set(ids))
        for start in stride(from: 0, to: unique.count, by: 500) {
            let rows = try await driver.query("SELECT * FROM events WHERE id IN (\(Self.list(unique[start..<min(start + 500, unique.count)])))")
            for row in rows {
                let event = try EventRepository.decode(row)
                events[event.id] = event
            }
        }
        return events
    }

    /// The envelopes of the events with these ids, by id, spliced from the stored JSON (see `EventEnvelope`).
    public func envelopes(_ ids: some Collection<String>) async throws -> [String: EventEnvelope] {
        var envelopes: [String: EventEnvelope] = [:]
        let unique = Array(Set(ids))
        for start in stride(from: 0, to: unique.count, by: 500) {
            let ids = unique[start..<min(start + 500, unique.count)]
            // On SQLite one JSON array of ids: the statement's text stays the same, so it stays compiled.
            let list: SQLQuery = driver.dialect == .sqlite ? "SELECT value FROM json_each(\(JSONText.array(Array(ids))))" : Self.list(ids)
            let rows = try await driver.query("SELECT id, type, created_at, organization_id, actor, data FROM events WHERE id IN (\(list))")
            for row in rows {
                let envelope = EventEnvelope.assemble(
                    id: try row.string("id"), type: try row.string("type"), createdAt: try row.int("created_at"),
                    organizationId: try row.string("organization_id"), actorJSON: try row.string("actor"), dataJSON: try row.string("data"))
                envelopes[envelope.eventId] = envelope
            }
        }
        return envelopes
    }

    /// Batching: folds more due, never-attempted, unleased deliveries of the same webhook into `lead` (leased by
    /// `owner`, never attempted) until it holds up to `maxEvents` events, deleting the folded rows, in one
    /// transaction. Returns the lead with every event id, oldest first: their events go out in the lead's one request.
    public func absorb(into lead: Delivery, maxEvents: Int, owner: String, now: Int64) async throws -> Delivery {
        let limit = maxEvents - lead.eventIds.count
        guard limit > 0, lead.attemptCount == 0 else { return lead }
        if let leases = driver.deliveryLeases {
            return try await absorb(into: lead, limit: limit, maxEvents: maxEvents, leases: leases, owner: owner, now: now)
        }
        return try await driver.transaction { connection in
            // Only the lease holder may fold: a lost lease means another instance owns the lead now.
            var held: SQLQuery = "SELECT id FROM deliveries WHERE id = \(lead.id) AND lease_owner = \(owner) AND lease_expires_at > \(now)"
            if driver.dialect == .postgres { held = held + " FOR UPDATE" }
            guard try await !connection.query(held).isEmpty else { return lead }
            var select: SQLQuery = """
                SELECT id, event_ids FROM deliveries
                WHERE webhook_id = \(lead.webhookId) AND id <> \(lead.id) AND status IN ('pending', 'retrying') AND status = 'pending'
                  AND attempt_count = 0
                  AND next_attempt_at <= \(now) AND (lease_expires_at IS NULL OR lease_expires_at <= \(now))
                ORDER BY next_attempt_at, id LIMIT \(limit)
                """
            if driver.dialect == .postgres { select = select + " FOR UPDATE SKIP LOCKED" }
            let rows = try await connection.query(select)
            guard !rows.isEmpty else { return lead }
            var merged = lead
            var folded: [String] = []
            for row in rows {
                let ids = try JSONText.strings(try row.string("event_ids"))
                guard merged.eventIds.count + ids.count <= maxEvents else { continue }
                merged.eventIds += ids
                folded.append(try row.string("id"))
            }
            guard !folded.isEmpty else { return lead }
            _ = try await connection.query("DELETE FROM deliveries WHERE id IN (\(Self.list(folded)))")
            _ = try await connection.query(
                "UPDATE deliveries SET event_ids = \(try WebhookRepository.json(merged.eventIds)) WHERE id = \(lead.id) AND lease_owner = \(owner)"
            )
            return merged
        }
    }

    /// `absorb` with leases kept in memory: the rows folded are leased to `owner` before they are deleted, so no
    /// claim takes one meanwhile, and their leases end once the deletion is committed.
    private func absorb(into lead: Delivery, limit: Int, maxEvents: Int, leases: DeliveryLeases, owner: String, now: Int64) async throws
        -> Delivery
    {
        // Only the lease holder may fold: a lost lease means the lead is someone else's now.
        guard !leases.held([lead.id], by: owner, now: now).isEmpty else { return lead }
        // What the transaction leased, for a failed commit to give back.
        let taken = TakenLeases()
        do {
            let (merged, folded) = try await driver.transaction { connection -> (Delivery, [String]) in
                // Begun inside the transaction, so a transaction that never starts leaves no read behind.
                let read = leases.beginRead(now: now)
                let rows: [SQLRow]
                do {
                    rows = try await connection.query(
                        """
                        SELECT id, event_ids FROM deliveries
                        WHERE webhook_id = \(lead.webhookId) AND id <> \(lead.id) AND status IN ('pending', 'retrying') AND status = 'pending'
                          AND attempt_count = 0 AND next_attempt_at <= \(now)
                          AND id NOT IN (SELECT value FROM json_each(\(JSONText.array(read.leased))))
                        ORDER BY next_attempt_at, id LIMIT \(limit)
                        """
                    )
                } catch {
                    leases.endRead(read)
                    throw error
                }
                var merged = lead
                var candidates: [String] = []
                var eventIds: [String: [String]] = [:]
                for row in rows {
                    let ids = try? JSONText.strings(try row.string("event_ids"))
                    guard let ids, let id = try? row.string("id"), merged.eventIds.count + ids.count <= maxEvents else { continue }
                    merged.eventIds += ids
                    candidates.append(id)
                    eventIds[id] = ids
                }
                // Ends the read. Until the commit the folded rows are leased here, so no claim sends them; a lease as
                // long as a claim's, should something keep it from being ended or given back.
                let folded = leases.take(candidates, owner: owner, now: now, until: now + 120_000, read: read)
                taken.ids.withLock { $0 = folded }
                guard !folded.isEmpty else { return (lead, []) }
                merged = lead
                for id in folded { merged.eventIds += eventIds[id] ?? [] }
                _ = try await connection.query("DELETE FROM deliveries WHERE id IN (\(Self.list(folded)))")
                _ = try await connection.query(
                    "UPDATE deliveries SET event_ids = \(try WebhookRepository.json(merged.eventIds)) WHERE id = \(lead.id)")
                return (merged, folded)
            }
            leases.end(folded)
            return merged
        } catch {
            // Rolled back (the commit too may fail): the rows are due again, and no longer leased here.
            _ = leases.release(taken.ids.withLock { $0 }, owner: owner)
            throw error
        }
    }

    /// The ids a transaction leased, read after it (it may fail at its commit, outside its body).
    private final class TakenLeases: Sendable {
        let ids = Mutex<[String]>([])
    }

    /// Batching at claim time: folds deliveries `owner` has just leased (one webhook's, never attempted) into the
    /// first, deleting the others, in one transaction. Returns the merged lead, or nil (nothing changed) when the
    /// lead's lease was lost meanwhile.
    public func fold(_ deliveries: [Delivery], owner: String) async throws -> Delivery? {
        guard let lead = deliveries.first else { return nil }
        guard deliveries.count > 1 else { return lead }
        struct LeaseLost: Error {}
        if let leases = driver.deliveryLeases {
            guard !leases.held([lead.id], by: owner, now: nil).isEmpty else { return nil }
            let rest = deliveries.dropFirst()
            let mine = leases.held(rest.map(\.id), by: owner, now: nil)
            let (merged, deleted) = try await driver.transaction { connection -> (Delivery, Set<String>) in
                let deleted = Set(
                    try await connection.query(
                        "DELETE FROM deliveries WHERE id IN (\(Self.list(mine))) AND attempt_count = 0 RETURNING id"
                    ).map { try $0.string("id") })
                var merged = lead
                for delivery in rest where deleted.contains(delivery.id) { merged.eventIds += delivery.eventIds }
                _ = try await connection.query(
                    "UPDATE deliveries SET event_ids = \(try WebhookRepository.json(merged.eventIds)) WHERE id = \(lead.id) AND attempt_count = 0")
                return (merged, deleted)
            }
            leases.end(deleted)
            return merged
        }
        do {
            return try await driver.transaction { connection in
                let rest = deliveries.dropFirst()
                let deleted = try await connection.query(
                    """
                    DELETE FROM deliveries WHERE id IN (\(Self.list(rest.map(\.id)))) AND lease_owner = \(owner) AND attempt_count = 0
                    RETURNING id
                    """
                )
                let deletedIds = Set(try deleted.map { try $0.string("id") })
                var merged = lead
                for delivery in rest where deletedIds.contains(delivery.id) { merged.eventIds += delivery.eventIds }
                let updated = try await connection.query(
                    """
                    UPDATE deliveries SET event_ids = \(try WebhookRepository.json(merged.eventIds))
                    WHERE id = \(lead.id) AND lease_owner = \(owner) AND attempt_count = 0 RETURNING id
                    """
                )
                guard !updated.isEmpty else { throw LeaseLost() }
                return merged
            }
        } catch is LeaseLost {
            return nil
        }
    }

    static func list(_ values: some Collection<String>) -> SQLQuery {
        SQLQuery.joined(values.map { "\($0)" as SQLQuery }, separator: ", ")
    }

    static func values(of attempt: DeliveryAttempt) throws -> SQLQuery {
        """
        (\(attempt.id), \(attempt.deliveryId), \(attempt.sentAt), \(attempt.url), \(attempt.statusCode.map(Int64.init)),
         \(attempt.result.rawValue), \(attempt.durationMs), \(JSONText.object(attempt.requestHeaders)), \(attempt.requestBody),
         \(JSONText.object(attempt.responseHeaders)), \(attempt.responseBody), \(attempt.error), \(JSONText.array(attempt.signedWith)))
        """
    }
}

/// One recorded attempt and what it does to its delivery and webhook.
public struct DeliveryCompletion: Sendable {
    public var delivery: Delivery
    public var attempt: DeliveryAttempt
    public var status: Delivery.Status
    public var nextAttemptAt: Int64?
    public var webhookState: Webhook.State

    public init(delivery: Delivery, attempt: DeliveryAttempt, status: Delivery.Status, nextAttemptAt: Int64?, webhookState: Webhook.State) {
        self.delivery = delivery
        self.attempt = attempt
        self.status = status
        self.nextAttemptAt = nextAttemptAt
        self.webhookState = webhookState
    }
}

extension WebhookRepository {
    public func find(id: String) async throws -> Webhook? {
        try await driver.query("SELECT * FROM webhooks WHERE id = \(id)").first.map(decode)
    }

    /// The webhooks with these ids, by id, in one query.
    public func find(ids: Set<String>) async throws -> [String: Webhook] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await driver.query("SELECT * FROM webhooks WHERE id IN (\(DeliveryRepository.list(ids.sorted())))")
        return Dictionary(try rows.map(decode).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
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
    /// Makes deliveries due again now (resend one, recover many), keeping their ids, so the `webhook-id` a receiver
    /// deduplicates on stays the same, and their attempt history, which the next attempts extend. A delivery being
    /// sent right now (leased) or held is left as it is. Returns the deliveries queued, by id.
    public func requeue(_ deliveries: [Delivery], now: Int64) async throws -> [Delivery] {
        guard !deliveries.isEmpty else { return [] }
        // A delivery being sent right now (leased in memory on SQLite) is left as it is.
        let sending = driver.deliveryLeases?.leased(deliveries.map(\.id), now: now) ?? []
        let ids = deliveries.map(\.id).filter { !sending.contains($0) }
        guard !ids.isEmpty else { return [] }
        return try await driver.transaction { connection in
            var queued: [Delivery] = []
            for start in stride(from: 0, to: ids.count, by: 500) {
                let rows = try await connection.query(
                    """
                    UPDATE deliveries SET status = 'pending', next_attempt_at = \(now), updated_at = \(now)
                    WHERE id IN (\(Self.list(ids[start..<min(start + 500, ids.count)]))) AND status <> 'held'
                      AND (lease_expires_at IS NULL OR lease_expires_at <= \(now))
                    RETURNING *
                    """
                )
                queued += try rows.map(Self.decode)
            }
            if !queued.isEmpty { try await connection.deliveriesQueued() }
            return queued.sorted { $0.id < $1.id }
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
