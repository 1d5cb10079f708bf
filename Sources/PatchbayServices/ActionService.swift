import PatchbayCore
import PatchbayStorage

/// An integration's actions (the requests it can make, imported or written by hand): created, listed, edited,
/// deleted, and renamed many at once with a bounded-time pattern.
public struct ActionService: Sendable {
    let services: Services
    public static let sortable = ["createdAt", "name", "method", "path", "updatedAt"]

    public struct CreateInput: Decodable, Sendable {
        public var name: String
        public var operationId: String?
        public var description: String?
        public var method: String
        public var path: String
        public var parameters: [ActionDefinition.Parameter]?
        public var requestBody: ActionDefinition.RequestBody?
        public var responseSchema: JSONValue?
        public var paginated: Bool?

        public init(name: String, method: String, path: String, description: String? = nil) {
            self.name = name
            self.method = method
            self.path = path
            self.description = description
        }
    }

    public struct UpdateInput: Decodable, Sendable {
        public var name: String?
        public var operationId: String?
        public var description: String?
        public var method: String?
        public var path: String?
        public var parameters: [ActionDefinition.Parameter]?
        public var requestBody: ActionDefinition.RequestBody?
        public var responseSchema: JSONValue?
        public var paginated: Bool?

        public init() {}
    }

    private var store: Store { services.store }

    private func integration(_ id: String, organizationId: String, by principal: Principal, scope: Scope) async throws -> Integration {
        let organization = try await services.access.organization(organizationId, for: principal, scope: scope)
        return try await services.access.integration(id, in: organization, for: principal)
    }

    private static func validate(_ definition: ActionDefinition) throws {
        var problems = FieldProblems()
        for (pointer, message) in ActionRules.problems(definition) { problems.add(pointer, message) }
        problems.check(FieldRules.text(definition.description, at: "/description"))
        try problems.throwIfAny()
    }

    public func list(integrationId: String, organizationId: String, _ request: ListRequest, by principal: Principal) async throws -> Page<Action> {
        let integration = try await integration(integrationId, organizationId: organizationId, by: principal, scope: .integrationsRead)
        return try await store.actions.list(integrationId: integration.id, request)
    }

    /// The list without definitions (the actions editor's and other pickers' rows).
    public func summaries(
        integrationId: String, organizationId: String, method: String? = nil, _ request: ListRequest, by principal: Principal
    ) async throws -> Page<ActionRepository.Summary> {
        let integration = try await integration(integrationId, organizationId: organizationId, by: principal, scope: .integrationsRead)
        return try await store.actions.summaries(integrationId: integration.id, method: method, request)
    }

    public func create(_ input: CreateInput, integrationId: String, organizationId: String, by principal: Principal) async throws -> Action {
        let integration = try await integration(integrationId, organizationId: organizationId, by: principal, scope: .integrationsWrite)
        let definition = ActionDefinition(
            name: input.name, operationId: input.operationId, description: input.description ?? "", method: input.method.uppercased(),
            path: input.path, parameters: input.parameters ?? [], requestBody: input.requestBody, responseSchema: input.responseSchema,
            paginated: input.paginated ?? false)
        try Self.validate(definition)
        try integration.require(.actions)
        let now = services.clock.nowMillis
        let action = Action(
            id: Identifier.make(.action, nowMillis: now), integrationId: integration.id, definition: definition, createdAt: now, updatedAt: now)
        try await store.actions.insert(action)
        return action
    }

    public func get(_ id: String, integrationId: String, organizationId: String, by principal: Principal, scope: Scope = .integrationsRead)
        async throws -> Action
    {
        let integration = try await integration(integrationId, organizationId: organizationId, by: principal, scope: scope)
        guard Identifier.isWellFormed(id, .action), let action = try await store.actions.find(id: id, integrationId: integration.id) else {
            throw PatchbayError.notFound("Action \(id.prefix(40))")
        }
        return action
    }

    public func update(_ id: String, _ input: UpdateInput, integrationId: String, organizationId: String, by principal: Principal) async throws
        -> Action
    {
        var action = try await get(id, integrationId: integrationId, organizationId: organizationId, by: principal, scope: .integrationsWrite)
        var definition = action.definition
        definition.name = input.name ?? definition.name
        definition.operationId = input.operationId ?? definition.operationId
        definition.description = input.description ?? definition.description
        definition.method = input.method?.uppercased() ?? definition.method
        definition.path = input.path ?? definition.path
        definition.parameters = input.parameters ?? definition.parameters
        definition.requestBody = input.requestBody ?? definition.requestBody
        definition.responseSchema = input.responseSchema ?? definition.responseSchema
        definition.paginated = input.paginated ?? definition.paginated
        try Self.validate(definition)
        action.definition = definition
        action.updatedAt = services.clock.nowMillis
        guard try await store.actions.update(action) else { throw PatchbayError.notFound("Action \(action.id)") }
        return action
    }

    public func delete(_ id: String, integrationId: String, organizationId: String, by principal: Principal) async throws {
        let action = try await get(id, integrationId: integrationId, organizationId: organizationId, by: principal, scope: .integrationsWrite)
        guard try await store.actions.delete(id: action.id, integrationId: action.integrationId) else {
            throw PatchbayError.notFound("Action \(action.id)")
        }
    }

    /// Renames every action whose name `pattern` matches (bounded-time matching); with `dryRun` only plans.
    public func rename(
        pattern: String, replacement: String, dryRun: Bool, integrationId: String, organizationId: String, by principal: Principal
    ) async throws -> [ActionRename.Change] {
        let integration = try await integration(integrationId, organizationId: organizationId, by: principal, scope: .integrationsWrite)
        let actions = try await store.actions.all(integrationId: integration.id)
        let changes = try ActionRename.plan(actions, pattern: pattern, replacement: replacement)
        if !dryRun && !changes.isEmpty {
            let now = services.clock.nowMillis
            let byId = Dictionary(uniqueKeysWithValues: actions.map { ($0.id, $0) })
            let renamed = changes.compactMap { change -> Action? in
                guard var action = byId[change.id] else { return nil }
                action.definition.name = change.to
                action.updatedAt = now
                return action
            }
            try await store.actions.rename(renamed)
        }
        return changes
    }
}
