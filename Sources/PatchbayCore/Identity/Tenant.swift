/// The rows one request may touch: those of one organization and, for an integration token, only those of its own
/// integration. Repositories put both in every statement that reads or changes a tenant's row, so a check forgotten
/// in a controller cannot widen what a request reaches.
public struct Tenant: Sendable, Equatable {
    public let organizationId: String
    /// Set for integration tokens: the only integration whose rows (its webhooks, inbound endpoints, installations
    /// and actions) they see.
    public let integrationId: String?

    public init(organizationId: String, integrationId: String? = nil) {
        self.organizationId = organizationId
        self.integrationId = integrationId
    }

    /// Whether a row that belongs to `integrationId` (nil: to the organization) is within this tenant.
    public func owns(integrationId rowIntegration: String?) -> Bool {
        guard let integrationId else { return true }
        return rowIntegration == integrationId
    }
}
