import Hummingbird
import PatchbayCore
import PatchbayServices
import PatchbayStorage

/// `/v1/organizations/{org}/inbound-webhooks`: inbound endpoints, their verification and their request history.
/// The public `/in/…` URL they receive on is `InboundReceiver`.
struct InboundWebhooksController {
    let dependencies: APIDependencies

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("createInboundWebhook", create)
        router.serve("listInboundWebhooks", list)
        router.serve("getInboundWebhook", get)
        router.serve("updateInboundWebhook", update)
        router.serve("deleteInboundWebhook", delete)
        router.serve("listInboundRequests", requests)
    }

    private var inbound: InboundService { dependencies.services.inbound }

    @Sendable func create(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .webhooksWrite)
        let body = try await request.decode(InboundService.CreateInput.self, context: context)
        let (created, generated) = try await inbound.create(body, organizationId: organization.id, by: principal)
        return try JSONResponse.make(
            CreatedResource(resource: created, secret: generated), status: .created,
            headers: [.location: "/v1/organizations/\(organization.id)/inbound-webhooks/\(created.id)", .cacheControl: "no-store"])
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .webhooksRead)
        let listRequest = try request.listRequest(sortable: InboundService.sortable)
        return try JSONResponse.list(
            try await inbound.list(organizationId: context.parameters.value("org"), listRequest, by: principal),
            request: request)
    }

    private func inbound(_ context: PatchbayRequestContext, scope: Scope) async throws -> InboundWebhook {
        try await inbound.get(
            context.parameters.value("inb"), organizationId: context.parameters.value("org"), by: try context.requirePrincipal(), scope: scope)
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try JSONResponse.make(try await inbound(context, scope: .webhooksRead))
    }

    @Sendable func update(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let current = try await inbound(context, scope: .webhooksWrite)
        let body = try await request.decode(InboundService.UpdateInput.self, context: context)
        let updated = try await inbound.update(current.id, body, organizationId: current.organizationId, by: try context.requirePrincipal())
        return try JSONResponse.make(updated)
    }

    @Sendable func delete(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try await inbound.delete(
            context.parameters.value("inb"), organizationId: context.parameters.value("org"), by: try context.requirePrincipal())
        return JSONResponse.noContent()
    }

    @Sendable func requests(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let inbound = try await inbound(context, scope: .webhooksRead)
        let listRequest = try request.listRequest(sortable: InboundService.requestsSortable)
        var verdict: InboundRequest.Verdict?
        if let text = request.uri.queryParameters["verdict"] {
            guard let parsed = InboundRequest.Verdict(rawValue: String(text)) else {
                throw PatchbayError.invalidParameter("verdict", "must be one of verified, unverified, invalid")
            }
            verdict = parsed
        }
        return try JSONResponse.list(
            try await self.inbound.requests(
                inbound.id, organizationId: inbound.organizationId, verdict: verdict, listRequest, by: try context.requirePrincipal()),
            request: request)
    }
}

extension InboundService.CreateInput: RequestBody {
    static let fields: Set<String> = ["name", "eventType", "integrationId", "verification", "active"]
}

extension InboundService.UpdateInput: RequestBody {
    static let fields: Set<String> = ["name", "eventType", "verification", "active"]
}
