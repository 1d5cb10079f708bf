import Foundation
import PatchbayCore

/// Integrations and the integration user each one owns.
public struct IntegrationRepository: Sendable {
    let driver: any DatabaseDriver
    static let pagination = KeysetPagination(columns: [
        "name": "name", "status": "status", "createdAt": "created_at", "updatedAt": "updated_at",
    ])

    /// Inserts the integration, its integration user and its event in one transaction.
    public func insert(_ integration: Integration, user: User, event: Event) async throws {
        try await driver.transaction { connection in
            try await Self.insert(integration, user: user, event: event, on: connection)
        }
    }

    /// An endpoint integration: the integration, its user, the webhook that carries its events and its event, in
    /// one transaction.
    public func insert(_ integration: Integration, user: User, endpoint: Webhook, webhooks: WebhookRepository, event: Event) async throws {
        try await driver.transaction { connection in
            try await Self.insert(integration, user: user, event: event, on: connection)
            try await webhooks.insert(endpoint, on: connection)
            _ = try await connection.query(
                "UPDATE integrations SET endpoint_webhook_id = \(endpoint.id) WHERE id = \(integration.id)")
        }
    }

    static func insert(_ integration: Integration, user: User, event: Event, on connection: any DatabaseConnection) async throws {
        _ = try await connection.query(
            """
            INSERT INTO integrations (id, organization_id, name, description, icon_svg, status, user_id, user_kind, search_text,
                                      finalized_at, created_at, updated_at, features)
            VALUES (\(integration.id), \(integration.organizationId), \(integration.name), \(integration.description),
                    \(integration.iconSvg), \(integration.status.rawValue), \(integration.userId), \(integration.userKind.rawValue),
                    \(searchText(integration.name)), \(integration.finalizedAt), \(integration.createdAt), \(integration.updatedAt),
                    \(Self.features(integration.features)))
            """
        )
        try await UserRepository.insert(user, on: connection)
        try await EventRepository.insert(event, on: connection)
    }

    /// Integrations with their endpoint's URL and authorization scheme (read from its webhook), as one relation so
    /// keyset pagination can add its conditions.
    static let source: SQLQuery = """
        SELECT * FROM (SELECT integrations.*, webhooks.url AS endpoint_url, webhooks.authorization_scheme AS endpoint_scheme
                       FROM integrations LEFT JOIN webhooks ON webhooks.id = integrations.endpoint_webhook_id) AS integrations
        """

    public func find(id: String, in tenant: Tenant) async throws -> Integration? {
        try await driver.query(Self.source + " WHERE id = \(id) AND \(tenant.condition(integrationColumn: "id"))").first.map(Self.decode)
    }

    /// An integration's name, for an installation's page in the installing organization (which may not read the
    /// integration itself, owned by another).
    public func name(id: String) async throws -> String? {
        try await driver.query("SELECT name FROM integrations WHERE id = \(id)").first.map { try $0.string("name") }
    }

    public func list(in tenant: Tenant, _ request: ListRequest) async throws -> Page<Integration> {
        try await Self.pagination.page(
            on: driver,
            select: Self.source + " WHERE \(tenant.condition(integrationColumn: "id"))",
            request: request,
            decode: Self.decode
        )
    }

    /// Saves the integration (its user takes the new name; its API settings are replaced when given) with its event,
    /// in one transaction; false when it no longer exists.
    /// Saves the integration (with its API settings, and its endpoint's webhook when given) and its event, in one
    /// transaction.
    public func update(
        _ integration: Integration, settings: APISettings? = nil, endpoint: Webhook? = nil, webhooks: WebhookRepository? = nil, event: Event
    ) async throws -> Bool {
        try await driver.transaction { connection in
            if let endpoint, let webhooks {
                guard try await webhooks.update(endpoint, on: connection) else { return false }
            }
            let rows = try await connection.query(
                """
                UPDATE integrations SET name = \(integration.name), description = \(integration.description),
                    icon_svg = \(integration.iconSvg), status = \(integration.status.rawValue), search_text = \(searchText(integration.name)),
                    features = \(Self.features(integration.features)),
                    finalized_at = \(integration.finalizedAt), updated_at = \(integration.updatedAt)
                WHERE id = \(integration.id) AND organization_id = \(integration.organizationId) RETURNING id
                """
            )
            guard !rows.isEmpty else { return false }
            if let settings {
                try await ActionRepository.saveSettings(settings, integrationId: integration.id, at: integration.updatedAt, on: connection)
            }
            _ = try await connection.query(
                """
                UPDATE users SET name = \(integration.name), search_text = \(searchText(integration.name)), updated_at = \(integration.updatedAt)
                WHERE id = \(integration.userId)
                """
            )
            try await EventRepository.insert(event, on: connection)
            return true
        }
    }

    /// Deletes the integration, its user, tokens, actions and API settings, with its event; false (and nothing
    /// deleted) when the tenant has no such integration.
    public func delete(id: String, in tenant: Tenant, event: Event) async throws -> Bool {
        try await driver.transaction { connection in
            let owned = try await connection.query(
                "DELETE FROM integrations WHERE id = \(id) AND \(tenant.condition(integrationColumn: "id")) RETURNING id"
            )
            guard !owned.isEmpty else { return false }
            // The rows below hang off an integration just proven to be the tenant's, in this transaction.
            _ = try await connection.query("DELETE FROM access_tokens WHERE integration_id = \(id) AND organization_id = \(tenant.organizationId)")
            _ = try await connection.query("DELETE FROM actions WHERE integration_id = \(id)")
            _ = try await connection.query("DELETE FROM integration_apis WHERE integration_id = \(id)")
            _ = try await connection.query("DELETE FROM users WHERE integration_id = \(id) AND organization_id = \(tenant.organizationId)")
            try await EventRepository.insert(event, on: connection)
            return true
        }
    }

    /// Features as a JSON array in declaration order (the migration writes the same shape).
    static func features(_ features: [Integration.Feature]) -> String {
        "[" + Integration.Feature.allCases.filter(features.contains).map { "\"\($0.rawValue)\"" }.joined(separator: ",") + "]"
    }

    static func decode(_ row: SQLRow) throws -> Integration {
        var endpoint: Integration.Endpoint?
        if let webhookId = try row.optionalString("endpoint_webhook_id"), let url = try row.optionalString("endpoint_url") {
            endpoint = Integration.Endpoint(webhookId: webhookId, url: url, authorizationScheme: try row.optionalString("endpoint_scheme"))
        }
        var integration = Integration(
            id: try row.string("id"),
            organizationId: try row.string("organization_id"),
            name: try row.string("name"),
            description: try row.string("description"),
            iconSvg: try row.optionalString("icon_svg"),
            status: Integration.Status(rawValue: try row.string("status")) ?? .draft,
            userId: try row.string("user_id"),
            userKind: User.Kind(rawValue: try row.string("user_kind")) ?? .app,
            finalizedAt: try row.optionalInt("finalized_at"),
            createdAt: try row.int("created_at"),
            updatedAt: try row.int("updated_at"),
            endpoint: endpoint
        )
        integration.features = try JSONDecoder().decode([String].self, from: Data(try row.string("features").utf8))
            .compactMap(Integration.Feature.init(rawValue:))
        return integration
    }
}
