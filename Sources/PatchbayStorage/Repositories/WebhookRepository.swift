import Foundation
import PatchbayCore

/// Outbound webhooks. The signing secrets and the authorization token are sealed, each bound to its webhook
/// and field, before they are written.
public struct WebhookRepository: Sendable {
    let driver: any DatabaseDriver
    let secrets: SecretBox
    static let pagination = KeysetPagination(columns: [
        "name": "name", "url": "url", "state": "state", "lastTriggeredAt": "last_triggered_at", "createdAt": "created_at",
        "updatedAt": "updated_at",
    ])

    public func insert(_ webhook: Webhook) async throws {
        try await driver.transaction { connection in try await insert(webhook, on: connection) }
    }

    func insert(_ webhook: Webhook, on connection: any DatabaseConnection) async throws {
        let sealed = try seal(webhook)
        _ = try await connection.query(
            """
            INSERT INTO webhooks (id, organization_id, integration_id, name, url, event_types, state, verify_tls, format,
                                  max_events_per_request, authorization_scheme, authorization_token, headers, secret, previous_secret,
                                  previous_secret_expires_at, last_triggered_at, last_status, search_text, created_at, updated_at,
                                  rate_limit)
            VALUES (\(webhook.id), \(webhook.organizationId), \(webhook.integrationId), \(webhook.name), \(webhook.url),
                    \(Self.json(webhook.eventTypes)), \(webhook.state.rawValue), \(webhook.verifyTls), \(webhook.format.rawValue),
                    \(webhook.maxEventsPerRequest), \(webhook.authorization?.scheme.rawValue), \(sealed.authorization),
                    \(Self.json(webhook.headers)), \(sealed.secret), \(sealed.previousSecret), \(webhook.previousSecretExpiresAt),
                    \(webhook.lastTriggeredAt ?? 0), \(webhook.lastStatus.map(Int64.init)), \(searchText(webhook.name, webhook.url)),
                    \(webhook.createdAt), \(webhook.updatedAt), \(webhook.rateLimit.map(Int64.init)))
            """
        )
    }

    /// The tenant's webhook with its `heldCount`.
    public func find(id: String, in tenant: Tenant) async throws -> Webhook? {
        guard
            var webhook = try await driver.query("SELECT * FROM webhooks WHERE id = \(id) AND \(tenant.condition())").first.map(decode)
        else { return nil }
        webhook.heldCount = try await heldCounts([webhook.id])[webhook.id] ?? 0
        return webhook
    }

    /// A page of the tenant's webhooks, each with its `heldCount`.
    public func list(in tenant: Tenant, _ request: ListRequest) async throws -> Page<Webhook> {
        var page = try await Self.pagination.page(
            on: driver,
            select: "SELECT * FROM webhooks WHERE \(tenant.condition())",
            request: request,
            decode: decode
        )
        let counts = try await heldCounts(page.items.map(\.id))
        for index in page.items.indices { page.items[index].heldCount = counts[page.items[index].id] ?? 0 }
        return page
    }

    /// Saves every mutable field; false when the webhook no longer exists. With `releasingHeld` (a paused or
    /// disabled webhook made active) its held deliveries become due in the same transaction, oldest first.
    public func update(_ webhook: Webhook, releasingHeld: Bool = false) async throws -> Bool {
        let statement = try updateStatement(webhook)
        guard releasingHeld else { return try await !driver.query(statement).isEmpty }
        return try await driver.transaction { connection in
            // Waits for publishes that read this webhook as paused (they hold it FOR KEY SHARE): their held
            // deliveries are then committed, and released below.
            if connection.dialect == .postgres {
                _ = try await connection.query("SELECT id FROM webhooks WHERE id = \(webhook.id) FOR UPDATE")
            }
            guard try await !connection.query(statement).isEmpty else { return false }
            _ = try await Self.releaseHeld(webhookId: webhook.id, since: nil, now: webhook.updatedAt, on: connection)
            return true
        }
    }

    /// As `update`, inside the caller's transaction (no held deliveries released).
    func update(_ webhook: Webhook, on connection: any DatabaseConnection) async throws -> Bool {
        try await !connection.query(try updateStatement(webhook)).isEmpty
    }

    private func updateStatement(_ webhook: Webhook) throws -> SQLQuery {
        let sealed = try seal(webhook)
        let (eventTypes, headers) = (try Self.json(webhook.eventTypes), try Self.json(webhook.headers))
        let statement: SQLQuery = """
            UPDATE webhooks SET name = \(webhook.name), url = \(webhook.url), event_types = \(eventTypes),
                state = \(webhook.state.rawValue), verify_tls = \(webhook.verifyTls), format = \(webhook.format.rawValue),
                max_events_per_request = \(webhook.maxEventsPerRequest), authorization_scheme = \(webhook.authorization?.scheme.rawValue),
                authorization_token = \(sealed.authorization), headers = \(headers), secret = \(sealed.secret),
                previous_secret = \(sealed.previousSecret), previous_secret_expires_at = \(webhook.previousSecretExpiresAt),
                search_text = \(searchText(webhook.name, webhook.url)), updated_at = \(webhook.updatedAt),
                rate_limit = \(webhook.rateLimit.map(Int64.init))
            WHERE id = \(webhook.id) AND organization_id = \(webhook.organizationId) RETURNING id
            """
        return statement
    }

    /// Makes a webhook's held deliveries (those created since `since`, or all) due now; their ids keep them in the
    /// order they were created. Returns how many were released.
    public func releaseHeld(webhookId: String, since: Int64?, now: Int64) async throws -> Int {
        try await driver.transaction { connection in try await Self.releaseHeld(webhookId: webhookId, since: since, now: now, on: connection) }
    }

    static func releaseHeld(webhookId: String, since: Int64?, now: Int64, on connection: any DatabaseConnection) async throws -> Int {
        var statement: SQLQuery = """
            UPDATE deliveries SET status = 'pending', next_attempt_at = \(now), updated_at = \(now)
            WHERE webhook_id = \(webhookId) AND status = 'held'
            """
        if let since { statement = statement + " AND created_at >= \(since)" }
        let released = try await connection.query(statement + " RETURNING id").count
        if released > 0 { try await connection.deliveriesQueued() }
        return released
    }

    /// How many deliveries each of these webhooks holds (absent: none).
    public func heldCounts(_ webhookIds: [String]) async throws -> [String: Int] {
        guard !webhookIds.isEmpty else { return [:] }
        let rows = try await driver.query(
            """
            SELECT webhook_id, COUNT(*) AS n FROM deliveries WHERE status = 'held' AND webhook_id IN (\(DeliveryRepository.list(webhookIds)))
            GROUP BY webhook_id
            """
        )
        var counts: [String: Int] = [:]
        for row in rows { counts[try row.string("webhook_id")] = Int(try row.int("n")) }
        return counts
    }

    /// Takes one send from the webhook's `rateLimit` for the second that `now` falls in; false when that second's
    /// sends are spent. One conditional `UPDATE` on the webhook's row, so instances sharing a database count together.
    public func takeRateSlot(webhookId: String, limit: Int, now: Int64) async throws -> Bool {
        let second = now / 1000
        return try await !driver.query(
            """
            UPDATE webhooks SET rate_count = CASE WHEN rate_window = \(second) THEN rate_count + 1 ELSE 1 END, rate_window = \(second)
            WHERE id = \(webhookId) AND (rate_window <> \(second) OR rate_count < \(Int64(limit))) RETURNING id
            """
        ).isEmpty
    }

    public func delete(id: String, in tenant: Tenant) async throws -> Bool {
        try await !driver.query("DELETE FROM webhooks WHERE id = \(id) AND \(tenant.condition()) RETURNING id").isEmpty
    }

    private func seal(_ webhook: Webhook) throws -> (secret: String, previousSecret: String?, authorization: String?) {
        (
            try secrets.seal(webhook.secret.encoded, context: "\(webhook.id)/secret"),
            try webhook.previousSecret.map { try secrets.seal($0.encoded, context: "\(webhook.id)/previous-secret") },
            try webhook.authorization.map { try secrets.seal($0.token, context: "\(webhook.id)/authorization") }
        )
    }

    private func openSecret(_ sealed: String, _ context: String) throws -> WebhookSecret {
        guard let secret = WebhookSecret(try secrets.open(sealed, context: context)) else { throw StorageError.decoding(column: "secret") }
        return secret
    }

    /// Most webhooks have no custom headers: their stored `{}` needs no decoder (a claim decodes every webhook).
    private static func headers(_ text: String) throws -> [String: String] {
        text == "{}" ? [:] : try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }

    func decode(_ row: SQLRow) throws -> Webhook {
        let id = try row.string("id")
        var authorization: Webhook.Authorization?
        if let scheme = try row.optionalString("authorization_scheme").flatMap(Webhook.Authorization.Scheme.init(rawValue:)),
            let sealed = try row.optionalString("authorization_token")
        {
            authorization = .init(scheme: scheme, token: try secrets.open(sealed, context: "\(id)/authorization"))
        }
        let lastTriggeredAt = try row.int("last_triggered_at")
        return Webhook(
            id: id,
            organizationId: try row.string("organization_id"),
            integrationId: try row.optionalString("integration_id"),
            name: try row.string("name"),
            url: try row.string("url"),
            eventTypes: try JSONText.strings(try row.string("event_types")),
            state: Webhook.State(rawValue: try row.string("state")) ?? .active,
            verifyTls: try row.bool("verify_tls"),
            format: Webhook.Format(rawValue: try row.string("format")) ?? .json,
            maxEventsPerRequest: Int(try row.int("max_events_per_request")),
            authorization: authorization,
            headers: try Self.headers(try row.string("headers")),
            secret: try openSecret(try row.string("secret"), "\(id)/secret"),
            previousSecret: try row.optionalString("previous_secret").map { try openSecret($0, "\(id)/previous-secret") },
            previousSecretExpiresAt: try row.optionalInt("previous_secret_expires_at"),
            lastTriggeredAt: lastTriggeredAt == 0 ? nil : lastTriggeredAt,
            lastStatus: try row.optionalInt("last_status").map(Int.init),
            createdAt: try row.int("created_at"),
            updatedAt: try row.int("updated_at"),
            rateLimit: try row.optionalInt("rate_limit").map { Int(clamping: $0) }
        )
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
