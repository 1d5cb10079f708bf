import NIOCore
import PatchbayCore
import PatchbayDelivery
import PatchbayStorage

extension IntegrationService {
    /// How long a call may wait for the endpoint, in milliseconds.
    public static let callTimeouts: ClosedRange<Int> = 100...30_000

    /// Sends `payload` to endpoint integration `id`'s URL, signed like a delivery, and returns its answer as given.
    public func call(_ id: String, payload: JSONValue, timeoutMillis: Int?, organizationId: String, by principal: Principal) async throws
        -> EndpointCaller.Answer
    {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .actionsRun)
        let integration = try await services.access.integration(id, in: organization, for: principal)
        if let timeoutMillis, !Self.callTimeouts.contains(timeoutMillis) {
            throw PatchbayError.invalid("/timeoutMs", "must be from \(Self.callTimeouts.lowerBound) to \(Self.callTimeouts.upperBound)")
        }
        guard let endpoint = integration.endpoint,
            let webhook = try await services.store.webhooks.find(id: endpoint.webhookId, in: Tenant(organizationId: integration.organizationId))
        else {
            throw PatchbayError(.conflict, "Integration \(integration.id) has no endpoint; only endpoint integrations can be called.")
        }
        return try await services.caller.call(
            webhook, payload: JSONText.encode(payload), timeout: timeoutMillis.map { .milliseconds(Int64($0)) } ?? EndpointCaller.timeout)
    }
}
