import PatchbayCore
import PatchbayStorage

/// Installations of integrations into organizations, as their owners and the organizations they serve read them.
public struct InstallationService: Sendable {
    let services: Services
    public static let sortable = ["createdAt", "updatedAt", "state", "organizationId"]

    /// The installations of integration `integrationId` of organization `organizationId`.
    public func list(integrationId: String, organizationId: String, _ request: ListRequest, by principal: Principal) async throws -> Page<
        Installation
    > {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .integrationsRead)
        let integration = try await services.access.integration(integrationId, in: organization, for: principal)
        return try await services.store.installations.list(integrationId: integration.id, ownerOrganizationId: organization.id, request)
    }

    /// The installation `id` in organization `organizationId`, with the integration installed.
    public func get(_ id: String, organizationId: String, by principal: Principal, scope: Scope = .integrationsRead) async throws -> (
        Organization, Installation
    ) {
        try await services.access.installation(id, organizationId: organizationId, for: principal, scope: scope)
    }

    /// Uninstalls, with its event, in one transaction.
    public func delete(_ id: String, organizationId: String, by principal: Principal) async throws {
        let (organization, installation) = try await get(id, organizationId: organizationId, by: principal, scope: .integrationsWrite)
        let event = try Event.describing(
            installation, type: "integration.uninstalled", in: organization, by: principal, at: services.clock.nowMillis)
        guard try await services.store.installations.delete(id: installation.id, in: principal.tenant(organization.id), event: event) else {
            throw PatchbayError.notFound("Installation \(installation.id)")
        }
    }

    /// The API settings of what `installation` installs (its auth type decides the credentials and Connect).
    public func settings(of installation: Installation) async throws -> APISettings? {
        try await services.store.actions.settings(integrationId: installation.integrationId)?.settings
    }

    /// The actions `installation` can run, searched and paged.
    public func actions(of installation: Installation, _ request: ListRequest) async throws -> Page<Action> {
        try await services.store.actions.list(integrationId: installation.integrationId, request)
    }

    public func actionSummaries(of installation: Installation, _ request: ListRequest) async throws -> Page<ActionRepository.Summary> {
        try await services.store.actions.summaries(integrationId: installation.integrationId, request)
    }

    /// The integration an installation installs, as the installing organization may see it (name and status only).
    public func integrationName(of installation: Installation) async throws -> String? {
        try await services.store.integrations.name(id: installation.integrationId)
    }
}
