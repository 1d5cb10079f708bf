import Hummingbird
import PatchbayCore
import PatchbayDelivery
import PatchbayServices
import PatchbayStorage

/// What every controller needs: the services (every rule and store access is theirs), the clock and the edge
/// settings.
struct APIDependencies: Sendable {
    let services: Services
    let settings: HTTPSettings

    var clock: any TimeSource { services.clock }

    func organization(_ id: String, for principal: Principal, scope: Scope) async throws -> Organization {
        try await services.access.organization(id, for: principal, scope: scope)
    }

    /// The integration named by the `int` path parameter, in `organization`.
    func integration(_ context: PatchbayRequestContext, in organization: Organization) async throws -> Integration {
        try await services.access.integration(context.parameters.value("int"), in: organization, for: try context.requirePrincipal())
    }

    /// The installation named by `ins`, installed in the organization named by `org`.
    func installation(_ context: PatchbayRequestContext, scope: Scope) async throws -> (Organization, Installation) {
        try await services.access.installation(
            context.parameters.value("ins"), organizationId: context.parameters.value("org"), for: try context.requirePrincipal(), scope: scope)
    }

    /// The webhook named by the `wh` path parameter, in the organization of the `org` parameter.
    func webhook(_ context: PatchbayRequestContext, scope: Scope) async throws -> (Organization, Webhook) {
        try await services.access.webhook(
            context.parameters.value("wh"), organizationId: context.parameters.value("org"), for: try context.requirePrincipal(), scope: scope)
    }
}
