import PatchbayCore
import PatchbayStorage

/// Inbound webhooks as their owners read them: the endpoints and the requests each received, with verdicts.
public struct InboundService: Sendable {
    let services: Services
    public static let sortable = ["name", "eventType", "createdAt", "updatedAt"]
    public static let requestsSortable = ["receivedAt", "createdAt"]

    public func list(organizationId: String, _ request: ListRequest, by principal: Principal) async throws -> Page<InboundWebhook> {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .webhooksRead)
        return try await services.store.inbound.list(in: principal.tenant(organization.id), request)
    }

    public func get(_ id: String, organizationId: String, by principal: Principal, scope: Scope = .webhooksRead) async throws -> InboundWebhook {
        let organization = try await services.access.organization(organizationId, for: principal, scope: scope)
        guard Identifier.isWellFormed(id, .inbound),
            let inbound = try await services.store.inbound.find(id: id, in: principal.tenant(organization.id))
        else { throw PatchbayError.notFound("Inbound webhook \(id.prefix(40))") }
        return inbound
    }

    public func requests(
        _ id: String, organizationId: String, verdict: InboundRequest.Verdict?, _ request: ListRequest, by principal: Principal
    ) async throws -> Page<InboundRequest> {
        let inbound = try await get(id, organizationId: organizationId, by: principal)
        return try await services.store.inbound.requests(
            inboundWebhookId: inbound.id, organizationId: inbound.organizationId, verdict: verdict, request)
    }
}

/// Slash commands as an organization sees them: those of published integrations installed there.
public struct CommandService: Sendable {
    let services: Services

    /// The commands usable in the organization whose names start with `prefix` (normalized, without the slash).
    public func usable(organizationId: String, prefix: String, by principal: Principal) async throws -> [CommandRepository.Usable] {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .actionsRun)
        return try await services.store.commands.usable(in: organization.id, integrationId: principal.integrationId)
            .filter { $0.features.contains(.slashCommands) && (prefix.isEmpty || $0.command.name.hasPrefix(prefix)) }
    }
}
