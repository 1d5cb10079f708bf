import PatchbayConnectors
import PatchbayCore
import PatchbayStorage

/// An installation's organization mapping: which of the provider's companies each child organization is, so one
/// installation serves many child organizations (`organizationId` on a run fills the mapped parameter).
public struct OrganizationMappingService: Sendable {
    let services: Services
    public static let maxEntries = 10_000
    public static let maxChildren = 10_000

    public struct Mapping: Encodable, Sendable {
        public var settings: OrganizationMapping.Settings?
        public var entries: [OrganizationMapping.Entry]

        enum CodingKeys: CodingKey { case settings, entries }

        /// `settings` is written as null when unset, as the document describes (synthesized coding would leave it out).
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(settings, forKey: .settings)
            try container.encode(entries, forKey: .entries)
        }
    }

    public struct Suggestions: Encodable, Sendable {
        public var candidates: Int
        public var pages: Int
        public var suggestions: [OrganizationMapping.Suggestion]
    }

    public struct Input: Decodable, Sendable {
        public var actionId: String
        public var idKey: String
        public var nameKey: String
        public var parameter: String
        /// When nil the entries stay as they are.
        public var entries: [OrganizationMapping.Entry]?

        public init(actionId: String, idKey: String, nameKey: String, parameter: String, entries: [OrganizationMapping.Entry]?) {
            self.actionId = actionId
            self.idKey = idKey
            self.nameKey = nameKey
            self.parameter = parameter
            self.entries = entries
        }
    }

    public func get(installation id: String, organizationId: String, by principal: Principal) async throws -> Mapping {
        let (_, installation) = try await services.installations.get(id, organizationId: organizationId, by: principal)
        return Mapping(settings: installation.mapping, entries: try await services.store.installations.mappings(for: installation.id))
    }

    /// Sets the mapping's action and keys, and (when given) replaces its entries.
    public func put(_ input: Input, installation id: String, organizationId: String, by principal: Principal) async throws -> Mapping {
        let (organization, installation) = try await services.installations.get(
            id, organizationId: organizationId, by: principal, scope: .integrationsWrite)
        var problems = FieldProblems()
        let action =
            Identifier.isWellFormed(input.actionId, .action)
            ? try await services.store.actions.find(id: input.actionId, integrationId: installation.integrationId) : nil
        if action == nil { problems.add("/actionId", "is not an action of this integration") }
        if DottedPath(input.idKey) == nil { problems.add("/idKey", "must be a dotted path such as id") }
        if DottedPath(input.nameKey) == nil { problems.add("/nameKey", "must be a dotted path such as name") }
        if input.parameter.isEmpty || input.parameter.count > 200 { problems.add("/parameter", "must be 1 to 200 characters") }
        let entries = input.entries ?? []
        if entries.count > Self.maxEntries { problems.add("/entries", "must have at most \(Self.maxEntries) entries") }
        var seen = Set<String>()
        for (index, entry) in entries.prefix(Self.maxEntries).enumerated() {
            let pointer = "/entries/\(index)"
            if !seen.insert(entry.organizationId).inserted { problems.add(pointer + "/organizationId", "is mapped twice") }
            if entry.externalId.isEmpty || entry.externalId.count > 500 { problems.add(pointer + "/externalId", "must be 1 to 500 characters") }
            if let name = entry.externalName, let problem = FieldRules.text(name, at: pointer + "/externalName", max: 500) {
                problems.check(problem)
            }
            let child = try await services.installations.descendant(entry.organizationId, of: organization, reachedBy: principal)
            if child == nil || child?.id == organization.id {
                problems.add(pointer + "/organizationId", "must be a descendant of the installation's organization")
            }
        }
        try problems.throwIfAny()
        let settings = OrganizationMapping.Settings(
            actionId: input.actionId, idKey: input.idKey, nameKey: input.nameKey, parameter: input.parameter)
        let now = services.clock.nowMillis
        try await services.store.installations.setMappingSettings(settings, for: installation.id, now: now)
        if input.entries != nil { try await services.store.installations.replaceMappings(entries, for: installation.id, now: now) }
        return Mapping(settings: settings, entries: try await services.store.installations.mappings(for: installation.id))
    }

    /// Lists the provider's companies through the mapping action (all pages up to the limit) and matches them to
    /// the child organizations by name. Nothing is stored: the caller reviews and puts the entries it accepts.
    public func suggest(
        installation id: String, organizationId: String, parameters: [String: JSONValue], pageLimit: Int?, by principal: Principal
    ) async throws -> Suggestions {
        let (organization, installation) = try await services.installations.get(
            id, organizationId: organizationId, by: principal, scope: .integrationsWrite)
        guard let settings = installation.mapping else {
            throw PatchbayError(.conflict, "Set the mapping's action and keys first (PUT …/organization-mapping).")
        }
        guard let action = try await services.store.actions.find(id: settings.actionId, integrationId: installation.integrationId),
            let api = try await services.store.actions.api(integrationId: installation.integrationId),
            let secrets = try await services.store.installations.secrets(of: installation.id)
        else { throw PatchbayError(.conflict, "The mapping's action no longer exists; set the mapping again.") }
        let result = try await services.connectors.runner.run(
            action.definition, api: api, installation: installation, credentials: secrets.credentials,
            request: ActionRunRequest(input: ActionInput(parameters: parameters), paginate: true, pageLimit: pageLimit))
        guard (200..<300).contains(result.status) else {
            throw PatchbayError(.badGateway, "The mapping action answered \(result.status).")
        }
        let items = result.results ?? (result.response.body.arrayValue ?? [])
        let idPath = DottedPath(settings.idKey)
        let namePath = DottedPath(settings.nameKey)
        let candidates = items.compactMap { item -> OrganizationMapping.Candidate? in
            guard let id = idPath?.value(in: item).flatMap(Self.text), let name = namePath?.value(in: item).flatMap(Self.text) else { return nil }
            return OrganizationMapping.Candidate(externalId: id, externalName: name)
        }
        var request = ListRequest()
        request.limit = ListRequest.maxLimit
        var children: [(id: String, name: String)] = []
        var page = try await services.store.organizations.list(request, within: organization.path)
        while true {
            children += page.items.filter { $0.id != organization.id }.map { ($0.id, $0.name) }
            guard let next = page.nextCursor, children.count < Self.maxChildren else { break }
            request.cursor = try Cursor.decode(next, for: request.sort)
            page = try await services.store.organizations.list(request, within: organization.path)
        }
        return Suggestions(
            candidates: candidates.count, pages: result.pages,
            suggestions: OrganizationMapping.suggest(organizations: children, candidates: candidates))
    }

    static func text(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .int(let number): String(number)
        default: nil
        }
    }
}
