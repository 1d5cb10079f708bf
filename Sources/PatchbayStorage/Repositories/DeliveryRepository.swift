import Foundation
import PatchbayCore

/// Deliveries: the work queue of the delivery engine and the history users read.
public struct DeliveryRepository: Sendable {
    let driver: any DatabaseDriver
    static let pagination = KeysetPagination(columns: ["createdAt": "created_at", "status": "status", "updatedAt": "updated_at"])

    /// Writes one delivery per (event, subscribed webhook) inside the caller's transaction. An organization's events
    /// go to its own webhooks and to the webhooks of every integration installed in it (an integration's webhooks live
    /// in the integration's organization, so they also receive that organization's events). A paused or disabled
    /// webhook gets its deliveries `held`: nothing is sent until it is active again, and nothing is lost meanwhile.
    static func fanOut(_ events: [Event], on connection: any DatabaseConnection) async throws {
        guard !events.isEmpty else { return }
        var webhooksByOrganization: [String: [(id: String, organizationId: String, types: [String], holds: Bool)]] = [:]
        for organizationId in Set(events.map(\.organizationId)).sorted() {
            var select: SQLQuery = """
                SELECT id, organization_id, event_types, state FROM webhooks
                WHERE (organization_id = \(organizationId)
                       OR integration_id IN (SELECT integration_id FROM installations WHERE organization_id = \(organizationId)))
                ORDER BY id
                """
            // On PostgreSQL a resume (which releases the held deliveries in its own transaction) first locks its
            // webhook FOR UPDATE, which waits for this transaction, so a delivery held here cannot be left behind by a
            // resume that did not see it; a publish that comes after the resume waits for it and reads its state.
            // KEY SHARE conflicts with nothing else (the worker's updates of a webhook's last status do not wait).
            if connection.dialect == .postgres { select = select + " FOR KEY SHARE" }
            webhooksByOrganization[organizationId] = try await connection.query(select).map { row in
                let state = Webhook.State(rawValue: try row.string("state")) ?? .active
                return (
                    try row.string("id"), try row.string("organization_id"),
                    try JSONText.strings(try row.string("event_types")),
                    state == .paused || state == .disabled
                )
            }
        }
        var rows: [SQLQuery] = []
        for event in events {
            for webhook in webhooksByOrganization[event.organizationId] ?? [] where webhook.types.isEmpty || webhook.types.contains(event.type) {
                let ids = String(decoding: try JSONEncoder().encode([event.id]), as: UTF8.self)
                // The delivery belongs to the webhook's organization, which owns its history.
                rows.append(
                    """
                    (\(Identifier.make(.delivery, nowMillis: event.createdAt)), \(webhook.id), \(webhook.organizationId), \(ids),
                     \((webhook.holds ? Delivery.Status.held : .pending).rawValue), \(0), \(event.createdAt), \(event.createdAt),
                     \(event.createdAt))
                    """
                )
            }
        }
        try await insertDeliveryRows(rows, on: connection)
    }

    /// Inserts rows of `(id, webhook_id, organization_id, event_ids, status, attempt_count, next_attempt_at, created_at,
    /// updated_at)` in multi-row statements, and marks the transaction as having queued deliveries.
    static func insertDeliveryRows(_ rows: [SQLQuery], on connection: any DatabaseConnection) async throws {
        guard !rows.isEmpty else { return }
        // 9 values a row: 500 rows stay far below both databases' bound-parameter limits.
        for start in stride(from: 0, to: rows.count, by: 500) {
            _ = try await connection.query(
                """
                INSERT INTO deliveries (id, webhook_id, organization_id, event_ids, status, attempt_count, next_attempt_at, created_at, updated_at)
                VALUES \(SQLQuery.joined(rows[start..<min(start + 500, rows.count)], separator: ", "))
                """
            )
        }
        try await connection.deliveriesQueued()
    }

    /// A webhook's deliveries. `search` finds a delivery by its own id or by the id of an event it carries (ids are
    /// matched whole, with their case).
    public func list(of webhook: Webhook, status: Delivery.Status?, _ request: ListRequest) async throws -> Page<Delivery> {
        try await list(of: webhook, status: status, request, base: nil)
    }

    private func list(of webhook: Webhook, status: Delivery.Status?, _ request: ListRequest, base: SQLQuery?) async throws -> Page<Delivery> {
        var select: SQLQuery = base ?? "SELECT * FROM deliveries WHERE webhook_id = \(webhook.id) AND organization_id = \(webhook.organizationId)"
        if let status { select = select + " AND status = \(status.rawValue)" }
        var request = request
        if let search = request.search, !search.isEmpty {
            let eventPattern = "%\"" + KeysetPagination.escapeLike(search) + "\"%"
            select = select + " AND (id = \(search) OR event_ids LIKE \(eventPattern) ESCAPE '\\')"
            request.search = nil
        }
        return try await Self.pagination.page(on: driver, select: select, request: request, decode: Self.decode)
    }

    /// What the console's history can be narrowed to, beyond `list(of:status:_:)`'s status and id search.
    public struct Filter: Sendable {
        public var status: Delivery.Status?
        public var eventType: String?
        public var from: Int64?
        public var until: Int64?
        /// A substring of one of the delivery's events' payloads.
        public var payload: String?

        public init(status: Delivery.Status? = nil, eventType: String? = nil, from: Int64? = nil, until: Int64? = nil, payload: String? = nil) {
            self.status = status
            self.eventType = eventType
            self.from = from
            self.until = until
            self.payload = payload
        }
    }

    /// The history narrowed by `filter`. Event type and payload are matched through the delivery's events, found by
    /// their primary key from the delivery's id list (never a scan of the events).
    public func list(of webhook: Webhook, filter: Filter, _ request: ListRequest) async throws -> Page<Delivery> {
        var select: SQLQuery = "SELECT * FROM deliveries WHERE webhook_id = \(webhook.id) AND organization_id = \(webhook.organizationId)"
        if let status = filter.status { select = select + " AND status = \(status.rawValue)" }
        if let from = filter.from { select = select + " AND created_at >= \(from)" }
        if let until = filter.until { select = select + " AND created_at < \(until)" }
        if filter.eventType != nil || filter.payload != nil {
            let elements: SQLQuery =
                driver.dialect == .postgres
                ? "jsonb_array_elements_text(deliveries.event_ids::jsonb) AS j(value)" : "json_each(deliveries.event_ids) AS j"
            select = select + " AND EXISTS (SELECT 1 FROM " + elements + " JOIN events e ON e.id = j.value WHERE 1 = 1"
            if let type = filter.eventType { select = select + " AND e.type = \(type)" }
            if let payload = filter.payload, !payload.isEmpty {
                select = select + " AND e.data LIKE \("%" + KeysetPagination.escapeLike(payload) + "%") ESCAPE '\\'"
            }
            select = select + ")"
        }
        return try await list(of: webhook, status: nil, request, base: select)
    }

    /// Deliveries of these webhooks created since `since`, counted in SQL by webhook, minute of creation, minute of
    /// completion (nil while queued) and status: at most a few thousand rows however many deliveries there are.
    public func activity(webhookIds: [String], since: Int64) async throws -> [ActivityGroup] {
        guard !webhookIds.isEmpty else { return [] }
        return try await driver.query(
            """
            SELECT webhook_id, created_at / 60000 AS created_minute,
                   CASE WHEN status IN ('succeeded', 'failed') THEN updated_at / 60000 END AS finished_minute,
                   status, COUNT(*) AS n, MIN(created_at) AS oldest
            FROM deliveries WHERE webhook_id IN (\(Self.list(webhookIds))) AND created_at >= \(since)
            GROUP BY webhook_id, created_at / 60000, CASE WHEN status IN ('succeeded', 'failed') THEN updated_at / 60000 END, status
            LIMIT \(Self.maxChartRows)
            """
        ).map { row in
            ActivityGroup(
                webhookId: try row.string("webhook_id"), createdMinute: try row.int("created_minute"),
                finishedMinute: try row.optionalInt("finished_minute"),
                status: Delivery.Status(rawValue: try row.string("status")) ?? .pending, count: Int(try row.int("n")),
                oldestCreatedAt: try row.int("oldest"))
        }
    }

    /// A cap on the grouped rows a chart reads (a minute, status and completion minute per web hook stay far below it).
    static let maxChartRows = 20_000

    public struct ActivityGroup: Sendable, Equatable {
        public var webhookId: String
        public var createdMinute: Int64
        /// When a finished delivery finished; nil while it is queued (pending, retrying or held).
        public var finishedMinute: Int64?
        public var status: Delivery.Status
        public var count: Int
        public var oldestCreatedAt: Int64

        public init(webhookId: String, createdMinute: Int64, finishedMinute: Int64?, status: Delivery.Status, count: Int, oldestCreatedAt: Int64) {
            self.webhookId = webhookId
            self.createdMinute = createdMinute
            self.finishedMinute = finishedMinute
            self.status = status
            self.count = count
            self.oldestCreatedAt = oldestCreatedAt
        }
    }

    /// How many deliveries created before `before` are still queued, and when the oldest was created. Each status
    /// is counted through its partial index.
    public func queuedBefore(webhookIds: [String], before: Int64) async throws -> (count: Int, oldest: Int64?) {
        guard !webhookIds.isEmpty else { return (0, nil) }
        let ids = Self.list(webhookIds)
        let rows =
            try await driver.query(
                """
                SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM deliveries
                WHERE webhook_id IN (\(ids)) AND status IN ('pending', 'retrying') AND created_at < \(before)
                """)
            + (try await driver.query(
                "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM deliveries WHERE webhook_id IN (\(ids)) AND status = 'held' AND created_at < \(before)"
            ))
        var count = 0
        var oldest: Int64?
        for row in rows {
            count += Int(try row.int("n"))
            if let value = try row.optionalInt("oldest") { oldest = min(oldest ?? value, value) }
        }
        return (count, oldest)
    }

    /// Upper bounds (ms) of the latency histogram's buckets; the last catches everything slower.
    public static let latencyBuckets: [Int] = [
        1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1_000, 1_500, 2_000, 3_000, 5_000, 7_000, 10_000, 15_000, 20_000,
        30_000, 60_000,
    ]

    /// Attempts of these webhooks sent since `since`, counted by minute and latency bucket (`latencyBuckets`).
    public func latencyHistogram(webhookIds: [String], since: Int64) async throws -> [(minute: Int64, bucketMs: Int, count: Int)] {
        guard !webhookIds.isEmpty else { return [] }
        // Built from the constants above, never from input.
        let bucket = SQLQuery(
            unsafeSQL: "CASE " + Self.latencyBuckets.dropLast().map { "WHEN a.duration_ms <= \($0) THEN \($0) " }.joined()
                + "ELSE \(Self.latencyBuckets.last ?? 60_000) END")
        return try await driver.query(
            "SELECT a.sent_at / 60000 AS minute, " + bucket
                + """
                 AS bucket, COUNT(*) AS n FROM deliveries d JOIN delivery_attempts a ON a.delivery_id = d.id
                WHERE d.webhook_id IN (\(Self.list(webhookIds))) AND d.created_at >= \(since - 86_400_000) AND a.sent_at >= \(since)
                GROUP BY a.sent_at / 60000, 
                """ + bucket + " LIMIT \(Self.maxChartRows)"
        ).map { row in (try row.int("minute"), Int(try row.int("bucket")), Int(try row.int("n"))) }
    }

    /// The latest attempt's outcome of each of these deliveries (what a history row shows), in one query.
    public func lastOutcomes(deliveryIds: [String]) async throws -> [String: (url: String, statusCode: Int?, result: String)] {
        guard !deliveryIds.isEmpty else { return [:] }
        var outcomes: [String: (sentAt: Int64, url: String, statusCode: Int?, result: String)] = [:]
        for row in try await driver.query(
            "SELECT delivery_id, sent_at, url, status_code, result FROM delivery_attempts WHERE delivery_id IN (\(Self.list(deliveryIds)))")
        {
            let id = try row.string("delivery_id")
            let sentAt = try row.int("sent_at")
            if let known = outcomes[id], known.sentAt > sentAt { continue }
            outcomes[id] = (sentAt, try row.string("url"), try row.optionalInt("status_code").map(Int.init), try row.string("result"))
        }
        return outcomes.mapValues { ($0.url, $0.statusCode, $0.result) }
    }

    /// The most recent attempt of a delivery.
    public func lastAttempt(deliveryId: String) async throws -> DeliveryAttempt? {
        try await attempts(deliveryId: deliveryId).last
    }

    public func find(id: String, of webhook: Webhook) async throws -> Delivery? {
        try await driver.query(
            "SELECT * FROM deliveries WHERE id = \(id) AND webhook_id = \(webhook.id) AND organization_id = \(webhook.organizationId)"
        ).first.map(Self.decode)
    }

    /// Stores a handshake: its event (not fanned out: it is for this webhook alone), a delivery with its single
    /// attempt, and the webhook's new state (`failing` when the handshake failed), in one transaction.
    public func recordHandshake(_ event: Event, webhook: Webhook, attempt: DeliveryAttempt) async throws {
        try await driver.transaction { connection in
            try await EventRepository.insertRow(event, on: connection)
            let ids = String(decoding: try JSONEncoder().encode([event.id]), as: UTF8.self)
            let status: Delivery.Status = attempt.result == .success ? .succeeded : .failed
            _ = try await connection.query(
                """
                INSERT INTO deliveries (id, webhook_id, organization_id, event_ids, status, attempt_count, next_attempt_at, last_attempt_at,
                                        created_at, updated_at)
                VALUES (\(attempt.deliveryId), \(webhook.id), \(webhook.organizationId), \(ids), \(status.rawValue), \(1), \(Int64?.none),
                        \(attempt.sentAt), \(event.createdAt), \(attempt.sentAt))
                """
            )
            try await Self.insert(attempt, on: connection)
            _ = try await connection.query(
                """
                UPDATE webhooks SET last_triggered_at = \(attempt.sentAt), last_status = \(attempt.statusCode.map(Int64.init)),
                    state = \(webhook.state.rawValue), updated_at = \(attempt.sentAt)
                WHERE id = \(webhook.id)
                """
            )
        }
    }

    static func insert(_ attempt: DeliveryAttempt, on connection: any DatabaseConnection) async throws {
        _ = try await connection.query(
            """
            INSERT INTO delivery_attempts (id, delivery_id, sent_at, url, status_code, result, duration_ms, request_headers, request_body,
                                           response_headers, response_body, error, signed_with)
            VALUES \(try values(of: attempt))
            """
        )
    }

    /// A delivery's attempts, oldest first.
    public func attempts(deliveryId: String) async throws -> [DeliveryAttempt] {
        let decoder = JSONDecoder()
        return try await driver.query("SELECT * FROM delivery_attempts WHERE delivery_id = \(deliveryId) ORDER BY sent_at, id").map { row in
            DeliveryAttempt(
                id: try row.string("id"),
                deliveryId: try row.string("delivery_id"),
                sentAt: try row.int("sent_at"),
                url: try row.string("url"),
                statusCode: try row.optionalInt("status_code").map(Int.init),
                result: DeliveryAttempt.Result(rawValue: try row.string("result")) ?? .error,
                durationMs: Int(try row.int("duration_ms")),
                requestHeaders: try decoder.decode([String: String].self, from: Data(try row.string("request_headers").utf8)),
                requestBody: try row.string("request_body"),
                responseHeaders: try decoder.decode([String: String].self, from: Data(try row.string("response_headers").utf8)),
                responseBody: try row.optionalString("response_body"),
                error: try row.optionalString("error"),
                signedWith: try row.optionalString("signed_with").map { try decoder.decode([String].self, from: Data($0.utf8)) } ?? []
            )
        }
    }

    static func decode(_ row: SQLRow) throws -> Delivery {
        Delivery(
            id: try row.string("id"),
            webhookId: try row.string("webhook_id"),
            organizationId: try row.string("organization_id"),
            eventIds: try JSONText.strings(try row.string("event_ids")),
            status: Delivery.Status(rawValue: try row.string("status")) ?? .pending,
            attemptCount: Int(try row.int("attempt_count")),
            nextAttemptAt: try row.optionalInt("next_attempt_at"),
            lastAttemptAt: try row.optionalInt("last_attempt_at"),
            createdAt: try row.int("created_at")
        )
    }
}
