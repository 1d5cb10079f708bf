import Foundation
import PatchbayCore

/// Inbound endpoints and the requests they accepted. The URL token and the verification settings are sealed, each
/// bound to its endpoint; the token is found by its SHA-256.
public struct InboundRepository: Sendable {
    let driver: any DatabaseDriver
    let secrets: SecretBox
    let combiner: Combiner
    static let pagination = KeysetPagination(columns: [
        "name": "name", "eventType": "event_type", "createdAt": "created_at", "updatedAt": "updated_at",
    ])
    static let requestPagination = KeysetPagination(columns: ["createdAt": "received_at", "receivedAt": "received_at"])

    /// What storing a verified request did.
    public enum Acceptance: Sendable, Equatable {
        case stored
        /// The provider sent this delivery id before: nothing new was stored; this is the first request.
        case duplicate(InboundRequest)
    }

    public func insert(_ inbound: InboundWebhook) async throws {
        _ = try await driver.query(
            """
            INSERT INTO inbound_webhooks (id, organization_id, integration_id, name, event_type, verification_scheme, verification,
                                          url_token, url_token_hash, active, actor, search_text, created_at, updated_at)
            VALUES (\(inbound.id), \(inbound.organizationId), \(inbound.integrationId), \(inbound.name), \(inbound.eventType),
                    \(inbound.verification.scheme.rawValue), \(try sealVerification(inbound)),
                    \(try secrets.seal(inbound.urlToken, context: "\(inbound.id)/url-token")), \(Self.tokenHash(inbound.urlToken)),
                    \(inbound.active), \(try Self.json(inbound.actor)), \(searchText(inbound.name, inbound.eventType)),
                    \(inbound.createdAt), \(inbound.updatedAt))
            """
        )
    }

    public func find(id: String, in tenant: Tenant) async throws -> InboundWebhook? {
        try await driver.query("SELECT * FROM inbound_webhooks WHERE id = \(id) AND \(tenant.condition())").first.map(decode)
    }

    /// The endpoint behind a `/in/…` URL.
    public func find(urlToken: String) async throws -> InboundWebhook? {
        try await driver.query("SELECT * FROM inbound_webhooks WHERE url_token_hash = \(Self.tokenHash(urlToken))").first.map(decode)
    }

    public func list(in tenant: Tenant, _ request: ListRequest) async throws -> Page<InboundWebhook> {
        try await Self.pagination.page(
            on: driver, select: "SELECT * FROM inbound_webhooks WHERE \(tenant.condition())", request: request, decode: decode)
    }

    /// Saves the mutable fields (name, event type, verification, active); false when the endpoint no longer exists.
    public func update(_ inbound: InboundWebhook) async throws -> Bool {
        try await !driver.query(
            """
            UPDATE inbound_webhooks SET name = \(inbound.name), event_type = \(inbound.eventType),
                verification_scheme = \(inbound.verification.scheme.rawValue), verification = \(try sealVerification(inbound)),
                active = \(inbound.active), search_text = \(searchText(inbound.name, inbound.eventType)), updated_at = \(inbound.updatedAt)
            WHERE id = \(inbound.id) AND organization_id = \(inbound.organizationId) RETURNING id
            """
        ).isEmpty
    }

    /// Deletes the endpoint and its request history; false (and nothing deleted) when the tenant has no such endpoint.
    public func delete(id: String, in tenant: Tenant) async throws -> Bool {
        try await driver.transaction { connection in
            guard try await !connection.query("DELETE FROM inbound_webhooks WHERE id = \(id) AND \(tenant.condition()) RETURNING id").isEmpty
            else { return false }
            _ = try await connection.query(
                "DELETE FROM inbound_requests WHERE inbound_webhook_id = \(id) AND organization_id = \(tenant.organizationId)")
            return true
        }
    }

    /// Stores a verified request and its event (with the deliveries it fans out to) in one transaction, shared with
    /// concurrent requests (group commit). A request whose delivery id was seen before stores nothing and returns the
    /// first one.
    public func accept(_ request: InboundRequest, event: Event?) async throws -> Acceptance {
        try await combiner.submit([Accepted(request: request, event: event)])[0]
    }

    struct Accepted: Sendable {
        var request: InboundRequest
        var event: Event?
    }

    typealias Combiner = GroupCommit<Accepted, Acceptance>

    static func combiner(driver: any DatabaseDriver) -> Combiner {
        // 11 values a row: 500 rows stay far below both databases' bound-parameter limits.
        Combiner(driver: driver, maxItemsPerTransaction: 500) { items, connection in try await write(items, on: connection) }
    }

    /// Writes accepted requests in multi-row statements: the requests (a repeated delivery id is skipped by the
    /// unique index), the events of those that went in, their deliveries, and the endpoints' counters last, so an
    /// endpoint's row is locked for as short a time as possible.
    static func write(_ items: [Accepted], on connection: any DatabaseConnection) async throws -> [Acceptance] {
        let rows = try items.map { item -> SQLQuery in
            let request = item.request
            return """
                (\(request.id), \(request.inboundWebhookId), \(request.organizationId), \(request.receivedAt), \(try json(request.headers)),
                 \(request.body), \(request.bodyEncoding), \(request.verdict.rawValue), \(request.deliveryId), \(request.eventId),
                 \(try json(request.problems)))
                """
        }
        let inserted = Set(
            try await connection.query(
                """
                INSERT INTO inbound_requests (id, inbound_webhook_id, organization_id, received_at, headers, body, body_encoding, verdict,
                                              delivery_id, event_id, problems)
                VALUES \(SQLQuery.joined(rows, separator: ", "))
                ON CONFLICT (inbound_webhook_id, delivery_id) DO NOTHING RETURNING id
                """
            ).map { try $0.string("id") })
        let events = items.filter { inserted.contains($0.request.id) }.compactMap(\.event)
        if !events.isEmpty {
            try await EventRepository.insertRows(events, on: connection)
            try await DeliveryRepository.fanOut(events, on: connection)
        }
        var outcomes: [Acceptance] = []
        var counts: [String: (accepted: Int64, duplicates: Int64, last: Int64)] = [:]
        for item in items {
            let request = item.request
            var count = counts[request.inboundWebhookId] ?? (0, 0, 0)
            if inserted.contains(request.id) {
                if request.verdict != .invalid {
                    count.accepted += 1
                    count.last = max(count.last, request.receivedAt)
                }
                outcomes.append(.stored)
            } else {
                count.duplicates += 1
                let first = try await connection.query(
                    """
                    SELECT * FROM inbound_requests WHERE inbound_webhook_id = \(request.inboundWebhookId) AND delivery_id = \(request.deliveryId)
                    """
                ).first
                guard let first else { throw StorageError.decoding(column: "delivery_id") }
                outcomes.append(.duplicate(try decodeRequest(first)))
            }
            counts[request.inboundWebhookId] = count
        }
        for (id, count) in counts.sorted(by: { $0.key < $1.key }) {
            var update: SQLQuery = """
                UPDATE inbound_webhooks SET accepted_count = accepted_count + \(count.accepted), duplicate_count = duplicate_count + \(count.duplicates)
                """
            if count.last > 0 { update = update + ", last_received_at = \(count.last)" }
            _ = try await connection.query(update + " WHERE id = \(id)")
        }
        return outcomes
    }

    /// Counts a refused request; nothing else is kept.
    public func reject(id: String, reason: String, at now: Int64) async throws {
        _ = try await driver.query(
            """
            UPDATE inbound_webhooks SET rejected_count = rejected_count + 1, last_rejected_at = \(now), last_rejection = \(reason)
            WHERE id = \(id)
            """
        )
    }

    /// An endpoint's accepted requests, oldest first by default.
    public func requests(
        inboundWebhookId: String, organizationId: String, verdict: InboundRequest.Verdict?, _ request: ListRequest
    ) async throws -> Page<InboundRequest> {
        var select: SQLQuery = "SELECT * FROM inbound_requests WHERE inbound_webhook_id = \(inboundWebhookId) AND organization_id = \(organizationId)"
        if let verdict { select = select + " AND verdict = \(verdict.rawValue)" }
        var request = request
        if let search = request.search, !search.isEmpty {
            // A request is found by its own id, its event's or the provider's delivery id.
            select = select + " AND (id = \(search) OR event_id = \(search) OR delivery_id = \(search))"
            request.search = nil
        }
        return try await Self.requestPagination.page(on: driver, select: select, request: request, decode: Self.decodeRequest)
    }

    // MARK: - Rows

    static func tokenHash(_ token: String) -> String { TokenSecret.sha256Hex(token) }

    private func sealVerification(_ inbound: InboundWebhook) throws -> String {
        try secrets.seal(try Self.json(inbound.verification), context: "\(inbound.id)/verification")
    }

    func decode(_ row: SQLRow) throws -> InboundWebhook {
        let id = try row.string("id")
        let decoder = JSONDecoder()
        let verification = try decoder.decode(
            InboundVerification.self, from: Data(try secrets.open(try row.string("verification"), context: "\(id)/verification").utf8))
        return InboundWebhook(
            id: id,
            organizationId: try row.string("organization_id"),
            integrationId: try row.optionalString("integration_id"),
            name: try row.string("name"),
            eventType: try row.string("event_type"),
            verification: verification,
            urlToken: try secrets.open(try row.string("url_token"), context: "\(id)/url-token"),
            active: try row.bool("active"),
            actor: try decoder.decode(Actor.self, from: Data(try row.string("actor").utf8)),
            stats: InboundWebhook.Stats(
                accepted: try row.int("accepted_count"), rejected: try row.int("rejected_count"), duplicates: try row.int("duplicate_count"),
                lastReceivedAt: try row.optionalInt("last_received_at"), lastRejectedAt: try row.optionalInt("last_rejected_at"),
                lastRejection: try row.optionalString("last_rejection")),
            createdAt: try row.int("created_at"),
            updatedAt: try row.int("updated_at")
        )
    }

    static func decodeRequest(_ row: SQLRow) throws -> InboundRequest {
        let decoder = JSONDecoder()
        return InboundRequest(
            id: try row.string("id"),
            inboundWebhookId: try row.string("inbound_webhook_id"),
            organizationId: try row.string("organization_id"),
            receivedAt: try row.int("received_at"),
            headers: try decoder.decode([String: String].self, from: Data(try row.string("headers").utf8)),
            body: try row.string("body"),
            bodyEncoding: try row.string("body_encoding"),
            verdict: InboundRequest.Verdict(rawValue: try row.string("verdict")) ?? .invalid,
            deliveryId: try row.optionalString("delivery_id"),
            eventId: try row.optionalString("event_id"),
            problems: try decoder.decode([FieldError].self, from: Data(try row.string("problems").utf8))
        )
    }

    static func json(_ value: some Encodable) throws -> String { try WebhookRepository.json(value) }
}
