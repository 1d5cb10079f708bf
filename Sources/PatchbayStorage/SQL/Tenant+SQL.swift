import PatchbayCore

extension Tenant {
    /// The condition that keeps a statement to this tenant's rows: the organization, and the integration when the
    /// tenant is confined to one (`integrationColumn` names the row's integration: `id` on `integrations` itself).
    func condition(integrationColumn: String = "integration_id") -> SQLQuery {
        var query: SQLQuery = "organization_id = \(organizationId)"
        if let integrationId { query = query + " AND \(unsafeRaw: integrationColumn) = \(integrationId)" }
        return query
    }
}
