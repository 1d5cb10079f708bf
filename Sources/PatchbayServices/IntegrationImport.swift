import Foundation
import PatchbayCore
import PatchbayOpenAPI
import PatchbayStorage

/// API descriptions in: a lint report, or a draft integration with one action per operation.
extension IntegrationService {
    public struct LintResult: Encodable, Sendable {
        public var valid: Bool
        public var version: String?
        public var operations: Int
        public var problems: [LintProblem]
    }

    /// The integration as created, with its `api`, its `actions` and the lint findings of the document.
    public struct ImportedIntegration: Encodable, Sendable {
        public var integration: Integration
        public var api: APISettings
        public var source: String
        public var actions: [Action]
        public var problems: [LintProblem]

        enum CodingKeys: String, CodingKey { case api, source, actions, problems }

        public func encode(to encoder: any Encoder) throws {
            try integration.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(api, forKey: .api)
            try container.encode(source, forKey: .source)
            try container.encode(actions, forKey: .actions)
            try container.encode(problems, forKey: .problems)
        }
    }

    /// Every finding in the document (Swagger 2.0, OpenAPI 3.0 or 3.1; JSON or YAML), with line and column.
    public func lint(_ bytes: [UInt8]) async throws -> LintResult {
        try await services.documents.run(size: bytes.count) { () -> LintResult in
            do throws(ImportFailure) {
                let (document, problems) = try OpenAPIImporter.lint(bytes)
                return LintResult(
                    valid: !problems.contains { $0.severity == .error }, version: document.versionText,
                    operations: document.operations.count, problems: problems)
            } catch {
                return LintResult(valid: false, version: nil, operations: 0, problems: [error.problem])
            }
        }
    }

    /// A draft integration of organization `organizationId` made from the document: its API settings, one action
    /// per operation, and an app (or bot) user, with the `integration.created` event, in one transaction.
    public func importDocument(_ bytes: [UInt8], bot: Bool, organizationId: String, by principal: Principal) async throws
        -> ImportedIntegration
    {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .integrationsWrite)
        try principal.requireNotIntegration("create integrations")
        let imported = try await services.documents.run(size: bytes.count) { () -> Result<ImportedAPI, ImportFailure> in
            do throws(ImportFailure) {
                return .success(try OpenAPIImporter.importAPI(bytes))
            } catch {
                return .failure(error)
            }
        }
        let api: ImportedAPI
        switch imported {
        case .success(let value): api = value
        case .failure(let failure):
            var error = FieldError(pointer: failure.problem.pointer, "\(failure.problem.rule): \(failure.problem.message)")
            error.line = failure.problem.line
            error.column = failure.problem.column
            throw PatchbayError(.validation, "The document cannot be imported: \(failure.problem.message)", errors: [error])
        }
        let now = services.clock.nowMillis
        let name = Self.integrationName(api.title)
        let integrationId = Identifier.make(.integration, nowMillis: now)
        let kind: User.Kind = bot ? .bot : .app
        let user = User(
            id: Identifier.make(.user, nowMillis: now), organizationId: organization.id, name: name, email: nil, phone: nil, role: .member,
            kind: kind, integrationId: integrationId, createdAt: now, updatedAt: now)
        let integration = Integration(
            id: integrationId, organizationId: organization.id, name: name, description: Self.cleanDescription(api.description),
            iconSvg: nil, status: .draft, userId: user.id, userKind: kind, finalizedAt: nil, createdAt: now, updatedAt: now)
        let actions = api.actions.map { definition in
            Action(id: Identifier.make(.action, nowMillis: now), integrationId: integrationId, definition: definition, createdAt: now, updatedAt: now)
        }
        let stored = IntegrationAPI(settings: api.settings, definitions: api.definitions, source: api.versionName)
        let event = try Event.describing(integration, type: "integration.created", in: organization, by: principal, at: now)
        try await services.store.actions.insertImported(integration, user: user, event: event, api: stored, actions: actions)
        return ImportedIntegration(integration: integration, api: api.settings, source: api.versionName, actions: actions, problems: api.problems)
    }

    /// The document's description without control characters (line breaks and tabs kept), within the limit.
    static func cleanDescription(_ text: String?) -> String {
        let kept = (text ?? "").unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F || $0 == "\n" || $0 == "\t" }
        return String(String(String.UnicodeScalarView(kept)).prefix(FieldRules.maxDescriptionLength))
    }

    /// The document's title as an integration name: control characters dropped, trimmed, at most 200 characters.
    static func integrationName(_ title: String?) -> String {
        let cleaned = String(String.UnicodeScalarView((title ?? "").unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
            .trimmingCharacters(in: .whitespaces)
        return cleaned.isEmpty ? "Imported API" : String(cleaned.prefix(FieldRules.maxNameLength))
    }
}

/// Re-importing a newer description: what it adds, removes and changes, shown before it is applied.
extension IntegrationService {
    public struct ReimportPlan: Sendable {
        public struct Change: Sendable {
            public var action: Action
            public var definition: ActionDefinition
            public var fields: [String]
        }

        public var lint: LintResult
        public var added: [ActionDefinition] = []
        public var removed: [Action] = []
        public var changed: [Change] = []
        public var unchanged = 0
        var imported: ImportedAPI?

        public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }
    }

    /// What importing `bytes` over integration `id` would do. Blocked (no `imported`) when the document has errors.
    public func planReimport(_ bytes: [UInt8], integrationId id: String, organizationId: String, by principal: Principal) async throws
        -> ReimportPlan
    {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .integrationsWrite)
        let integration = try await services.access.integration(id, in: organization, for: principal)
        try integration.require(.actions)
        var plan = ReimportPlan(lint: try await lint(bytes))
        guard plan.lint.valid else { return plan }
        let imported = try await services.documents.run(size: bytes.count) { () -> Result<ImportedAPI, ImportFailure> in
            do throws(ImportFailure) { return .success(try OpenAPIImporter.importAPI(bytes)) } catch { return .failure(error) }
        }
        guard case .success(let api) = imported else { return plan }
        plan.imported = api
        let current = try await services.store.actions.all(integrationId: integration.id)
        // Operations are matched by operationId, else by method and path; names are the integration's own (renamed).
        func key(_ definition: ActionDefinition) -> String { definition.operationId.map { "id:" + $0 } ?? "\(definition.method) \(definition.path)" }
        var byKey: [String: Action] = [:]
        for action in current where byKey[key(action.definition)] == nil { byKey[key(action.definition)] = action }
        var seen = Set<String>()
        for definition in api.actions {
            let identity = key(definition)
            seen.insert(identity)
            guard let action = byKey[identity] else {
                plan.added.append(definition)
                continue
            }
            let old = action.definition
            var fields: [String] = []
            if old.method != definition.method { fields.append("method") }
            if old.path != definition.path { fields.append("path") }
            if old.description != definition.description { fields.append("description") }
            if old.parameters != definition.parameters { fields.append("parameters") }
            if old.requestBody != definition.requestBody { fields.append("request body") }
            if old.responseSchema != definition.responseSchema { fields.append("response") }
            if old.paginated != definition.paginated { fields.append("pagination") }
            if fields.isEmpty { plan.unchanged += 1 } else { plan.changed.append(.init(action: action, definition: definition, fields: fields)) }
        }
        plan.removed = current.filter { !seen.contains(key($0.definition)) }
        return plan
    }

    /// Applies the plan of `bytes` (worked out again, so it is what the document says now) in one transaction.
    @discardableResult
    public func applyReimport(_ bytes: [UInt8], integrationId id: String, organizationId: String, by principal: Principal) async throws
        -> ReimportPlan
    {
        let plan = try await planReimport(bytes, integrationId: id, organizationId: organizationId, by: principal)
        guard let api = plan.imported else {
            throw PatchbayError(.validation, "The document has errors; fix them before re-importing.")
        }
        let now = services.clock.nowMillis
        let removedIds = Set(plan.removed.map(\.id))
        var taken = Set(
            try await services.store.actions.all(integrationId: id).filter { !removedIds.contains($0.id) }.map { Action.nameKey($0.definition.name) })
        let added = plan.added.map { definition -> Action in
            var definition = definition
            // A new operation whose name another action already has gets a number.
            var name = definition.name
            var number = 2
            while taken.contains(Action.nameKey(name)) {
                name = String(definition.name.prefix(FieldRules.maxNameLength - 6)) + " \(number)"
                number += 1
            }
            taken.insert(Action.nameKey(name))
            definition.name = name
            return Action(id: Identifier.make(.action, nowMillis: now), integrationId: id, definition: definition, createdAt: now, updatedAt: now)
        }
        let changed = plan.changed.map { change -> Action in
            var action = change.action
            let name = action.definition.name
            action.definition = change.definition
            action.definition.name = name
            action.updatedAt = now
            return action
        }
        try await services.store.actions.applyReimport(
            integrationId: id, definitions: api.definitions, source: api.versionName, settingsIfNone: api.settings, added: added, changed: changed,
            removed: Array(removedIds),
            now: now)
        return plan
    }
}
