import Hummingbird
import PatchbayCore
import PatchbayServices
import PatchbayStorage

/// `…/integrations/{int}/actions`: the requests an integration can make, imported or written by hand.
struct ActionsController {
    let dependencies: APIDependencies

    static let fields: Set<String> = [
        "name", "operationId", "description", "method", "path", "parameters", "requestBody", "responseSchema", "paginated",
    ]

    struct RenameBody: RequestBody {
        static let fields: Set<String> = ["pattern", "replacement", "dryRun"]
        var pattern: String
        var replacement: String
        var dryRun: Bool?
    }

    struct RenameResult: Encodable {
        var dryRun: Bool
        var changes: [ActionRename.Change]
    }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("listActions", list)
        router.serve("createAction", create)
        router.serve("renameActions", rename)
        router.serve("getAction", get)
        router.serve("updateAction", update)
        router.serve("deleteAction", delete)
    }

    private var actions: ActionService { dependencies.services.actions }

    /// The integration named in the path, checked before the body is read.
    private func integration(_ context: PatchbayRequestContext, scope: Scope) async throws -> Integration {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: scope)
        return try await dependencies.integration(context, in: organization)
    }

    private func names(_ context: PatchbayRequestContext) -> (action: String, integration: String, organization: String) {
        (context.parameters.value("act"), context.parameters.value("int"), context.parameters.value("org"))
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let integration = try await integration(context, scope: .integrationsRead)
        let listRequest = try request.listRequest(sortable: ActionService.sortable)
        return try JSONResponse.list(
            try await actions.list(
                integrationId: integration.id, organizationId: names(context).organization, listRequest, by: try context.requirePrincipal()),
            request: request)
    }

    @Sendable func create(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let integration = try await integration(context, scope: .integrationsWrite)
        let body = try await request.decode(ActionService.CreateInput.self, context: context)
        let action = try await actions.create(
            body, integrationId: integration.id, organizationId: names(context).organization, by: try context.requirePrincipal())
        return try JSONResponse.make(
            action, status: .created,
            headers: [.location: "/v1/organizations/\(integration.organizationId)/integrations/\(integration.id)/actions/\(action.id)"])
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let (action, integration, organization) = names(context)
        return try JSONResponse.make(
            try await actions.get(action, integrationId: integration, organizationId: organization, by: try context.requirePrincipal()))
    }

    @Sendable func update(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let (id, integration, organization) = names(context)
        let principal = try context.requirePrincipal()
        _ = try await actions.get(id, integrationId: integration, organizationId: organization, by: principal, scope: .integrationsWrite)
        let body = try await request.decode(ActionService.UpdateInput.self, context: context)
        return try JSONResponse.make(try await actions.update(id, body, integrationId: integration, organizationId: organization, by: principal))
    }

    @Sendable func delete(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let (action, integration, organization) = names(context)
        try await actions.delete(action, integrationId: integration, organizationId: organization, by: try context.requirePrincipal())
        return JSONResponse.noContent()
    }

    /// Renames every action whose name the pattern matches; with `dryRun` only shows before → after.
    @Sendable func rename(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let integration = try await integration(context, scope: .integrationsWrite)
        let body = try await request.decode(RenameBody.self, context: context)
        let dryRun = body.dryRun ?? false
        let changes = try await actions.rename(
            pattern: body.pattern, replacement: body.replacement, dryRun: dryRun, integrationId: integration.id,
            organizationId: names(context).organization, by: try context.requirePrincipal())
        return try JSONResponse.make(RenameResult(dryRun: dryRun, changes: changes))
    }
}

extension ActionService.CreateInput: RequestBody {
    static let fields = ActionsController.fields
}

extension ActionService.UpdateInput: RequestBody {
    static let fields = ActionsController.fields
}
