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

    struct CreateBody: RequestBody {
        static let fields = ActionsController.fields
        var name: String
        var operationId: String?
        var description: String?
        var method: String
        var path: String
        var parameters: [ActionDefinition.Parameter]?
        var requestBody: ActionDefinition.RequestBody?
        var responseSchema: JSONValue?
        var paginated: Bool?
    }

    struct UpdateBody: RequestBody {
        static let fields = ActionsController.fields
        var name: String?
        var operationId: String?
        var description: String?
        var method: String?
        var path: String?
        var parameters: [ActionDefinition.Parameter]?
        var requestBody: ActionDefinition.RequestBody?
        var responseSchema: JSONValue?
        var paginated: Bool?
    }

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

    private func integration(_ context: PatchbayRequestContext, scope: Scope) async throws -> Integration {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: scope)
        return try await dependencies.integration(context, in: organization)
    }

    private func action(_ context: PatchbayRequestContext, in integration: Integration) async throws -> Action {
        let id = context.parameters.value("act")
        guard Identifier.isWellFormed(id, .action), let action = try await dependencies.store.actions.find(id: id, integrationId: integration.id)
        else {
            throw PatchbayError.notFound("Action \(id.prefix(40))")
        }
        return action
    }

    private static func validate(_ definition: ActionDefinition) throws {
        var problems = FieldProblems()
        for (pointer, message) in ActionRules.problems(definition) { problems.add(pointer, message) }
        problems.check(FieldRules.text(definition.description, at: "/description"))
        try problems.throwIfAny()
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let integration = try await integration(context, scope: .integrationsRead)
        let listRequest = try request.listRequest(sortable: ["createdAt", "name", "method", "path", "updatedAt"])
        return try JSONResponse.list(try await dependencies.store.actions.list(integrationId: integration.id, listRequest), request: request)
    }

    @Sendable func create(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let integration = try await integration(context, scope: .integrationsWrite)
        let body = try await request.decode(CreateBody.self, context: context)
        let definition = ActionDefinition(
            name: body.name, operationId: body.operationId, description: body.description ?? "", method: body.method.uppercased(), path: body.path,
            parameters: body.parameters ?? [], requestBody: body.requestBody, responseSchema: body.responseSchema, paginated: body.paginated ?? false
        )
        try Self.validate(definition)
        try integration.require(.actions)
        let now = dependencies.clock.nowMillis
        let action = Action(
            id: Identifier.make(.action, nowMillis: now), integrationId: integration.id, definition: definition, createdAt: now, updatedAt: now)
        try await dependencies.store.actions.insert(action)
        return try JSONResponse.make(
            action,
            status: .created,
            headers: [.location: "/v1/organizations/\(integration.organizationId)/integrations/\(integration.id)/actions/\(action.id)"]
        )
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let integration = try await integration(context, scope: .integrationsRead)
        return try JSONResponse.make(try await action(context, in: integration))
    }

    @Sendable func update(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let integration = try await integration(context, scope: .integrationsWrite)
        var action = try await action(context, in: integration)
        let body = try await request.decode(UpdateBody.self, context: context)
        var definition = action.definition
        definition.name = body.name ?? definition.name
        definition.operationId = body.operationId ?? definition.operationId
        definition.description = body.description ?? definition.description
        definition.method = body.method?.uppercased() ?? definition.method
        definition.path = body.path ?? definition.path
        definition.parameters = body.parameters ?? definition.parameters
        definition.requestBody = body.requestBody ?? definition.requestBody
        definition.responseSchema = body.responseSchema ?? definition.responseSchema
        definition.paginated = body.paginated ?? definition.paginated
        try Self.validate(definition)
        action.definition = definition
        action.updatedAt = dependencies.clock.nowMillis
        guard try await dependencies.store.actions.update(action) else { throw PatchbayError.notFound("Action \(action.id)") }
        return try JSONResponse.make(action)
    }

    @Sendable func delete(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let integration = try await integration(context, scope: .integrationsWrite)
        let action = try await action(context, in: integration)
        guard try await dependencies.store.actions.delete(id: action.id, integrationId: integration.id) else {
            throw PatchbayError.notFound("Action \(action.id)")
        }
        return JSONResponse.noContent()
    }

    /// Renames every action whose name the pattern matches; with `dryRun` only shows before → after.
    @Sendable func rename(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let integration = try await integration(context, scope: .integrationsWrite)
        let body = try await request.decode(RenameBody.self, context: context)
        let actions = try await dependencies.store.actions.all(integrationId: integration.id)
        let changes = try ActionRename.plan(actions, pattern: body.pattern, replacement: body.replacement)
        let dryRun = body.dryRun ?? false
        if !dryRun && !changes.isEmpty {
            let now = dependencies.clock.nowMillis
            let byId = Dictionary(uniqueKeysWithValues: actions.map { ($0.id, $0) })
            let renamed = changes.compactMap { change -> Action? in
                guard var action = byId[change.id] else { return nil }
                action.definition.name = change.to
                action.updatedAt = now
                return action
            }
            try await dependencies.store.actions.rename(renamed)
        }
        return try JSONResponse.make(RenameResult(dryRun: dryRun, changes: changes))
    }
}
