import Foundation
import Hummingbird
import PatchbayCore
import PatchbayDelivery
import PatchbayServices
import PatchbayStorage

/// `/v1/organizations/{org}/integrations`: custom integrations and their integration users.
struct IntegrationsController {
    let dependencies: APIDependencies

    struct FinalizeBody: RequestBody {
        static let fields: Set<String> = ["status"]
        var status: String?
    }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("createIntegration", create)
        router.serve("listIntegrations", list)
        router.serve("getIntegration", get)
        router.serve("updateIntegration", update)
        router.serve("deleteIntegration", delete)
        router.serve("finalizeIntegration", finalize)
    }

    private var integrations: IntegrationService { dependencies.services.integrations }

    @Sendable func create(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .integrationsWrite)
        try principal.requireNotIntegration("create integrations")
        let body = try await request.decode(IntegrationService.CreateInput.self, context: context)
        let created = try await integrations.create(body, organizationId: organization.id, by: principal)
        var headers: HTTPFields = [.location: "/v1/organizations/\(organization.id)/integrations/\(created.integration.id)"]
        guard created.secret != nil else { return try JSONResponse.make(created.integration, status: .created, headers: headers) }
        headers[.cacheControl] = "no-store"
        return try JSONResponse.make(
            CreatedResource(resource: created.integration, secret: created.secret, handshake: created.handshake), status: .created, headers: headers)
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .integrationsRead)
        let listRequest = try request.listRequest(sortable: IntegrationService.sortable)
        return try JSONResponse.list(
            try await integrations.list(organizationId: context.parameters.value("org"), listRequest, by: principal), request: request)
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let (integration, api) = try await integrations.get(
            context.parameters.value("int"), organizationId: context.parameters.value("org"), by: try context.requirePrincipal())
        return try JSONResponse.make(IntegrationWithAPI(integration: integration, api: api))
    }

    /// An integration with its API connection (`api`, and `source` when imported), when it has one.
    struct IntegrationWithAPI: Encodable {
        var integration: Integration
        var api: IntegrationAPI?

        enum CodingKeys: String, CodingKey { case api, source }

        func encode(to encoder: any Encoder) throws {
            try integration.encode(to: encoder)
            guard let api else { return }
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(api.settings, forKey: .api)
            try container.encodeIfPresent(api.source, forKey: .source)
        }
    }

    @Sendable func update(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .integrationsWrite)
        let integration = try await dependencies.integration(context, in: organization)
        let body = try await request.decode(IntegrationService.UpdateInput.self, context: context)
        let (updated, api) = try await integrations.update(integration.id, body, organizationId: organization.id, by: principal)
        return try JSONResponse.make(IntegrationWithAPI(integration: updated, api: api))
    }

    @Sendable func finalize(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .integrationsWrite)
        let integration = try await dependencies.integration(context, in: organization)
        let body = try await request.decodeIfPresent(FinalizeBody.self, context: context) ?? FinalizeBody(status: nil)
        return try JSONResponse.make(
            try await integrations.finalize(integration.id, status: body.status, organizationId: organization.id, by: principal))
    }

    @Sendable func delete(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try await integrations.delete(
            context.parameters.value("int"), organizationId: context.parameters.value("org"), by: try context.requirePrincipal())
        return JSONResponse.noContent()
    }
}

extension IntegrationService.CreateInput: RequestBody {
    static let fields: Set<String> = ["name", "description", "iconSvg", "bot", "endpoint", "features"]
}

extension IntegrationService.UpdateInput: RequestBody {
    static let fields: Set<String> = ["name", "description", "iconSvg", "status", "api", "endpoint", "features"]
}
