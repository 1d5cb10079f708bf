import PatchbayCore
import PatchbayStorage

/// What a principal reaches. Anything out of reach answers 404, so its existence does not leak; a missing scope on
/// something reachable answers 403.
public struct Access: Sendable {
    let store: Store

    /// The organization, when the principal reaches it and has `scope`.
    public func organization(_ id: String, for principal: Principal, scope: Scope) async throws -> Organization {
        let organization = try await organization(id, reachedBy: principal)
        try principal.require(scope)
        return organization
    }

    /// The organization, when the principal reaches it, whatever its scopes (to name it on a page, say).
    public func organization(_ id: String, reachedBy principal: Principal) async throws -> Organization {
        guard Identifier.isWellFormed(id, .organization), let organization = try await store.organizations.find(id: id),
            principal.reaches(organization.path)
        else { throw PatchbayError.notFound("Organization \(id.prefix(40))") }
        return organization
    }

    /// The integration `id` in `organization` (an integration token reaches only its own).
    public func integration(_ id: String, in organization: Organization, for principal: Principal) async throws -> Integration {
        guard Identifier.isWellFormed(id, .integration),
            let integration = try await store.integrations.find(id: id, in: principal.tenant(organization.id))
        else { throw PatchbayError.notFound("Integration \(id.prefix(40))") }
        return integration
    }

    /// The installation `id` installed in organization `organizationId`.
    public func installation(_ id: String, organizationId: String, for principal: Principal, scope: Scope) async throws -> (
        Organization, Installation
    ) {
        let organization = try await organization(organizationId, for: principal, scope: scope)
        guard Identifier.isWellFormed(id, .installation),
            let installation = try await store.installations.find(id: id, in: principal.tenant(organization.id))
        else { throw PatchbayError.notFound("Installation \(id.prefix(40))") }
        return (organization, installation)
    }

    /// The webhook `id` of organization `organizationId`.
    public func webhook(_ id: String, organizationId: String, for principal: Principal, scope: Scope) async throws -> (Organization, Webhook) {
        let organization = try await organization(organizationId, for: principal, scope: scope)
        guard Identifier.isWellFormed(id, .webhook), let webhook = try await store.webhooks.find(id: id, in: principal.tenant(organization.id))
        else { throw PatchbayError.notFound("Webhook \(id.prefix(40))") }
        return (organization, webhook)
    }
}
