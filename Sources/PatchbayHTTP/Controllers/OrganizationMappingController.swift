import Hummingbird
import PatchbayConnectors
import PatchbayCore
import PatchbayServices
import PatchbayStorage

/// `…/installations/{ins}/organization-mapping`: which of the provider's companies each child organization is.
struct OrganizationMappingController {
    let dependencies: APIDependencies
    let connectors: Connectors
    static let maxEntries = 10_000
    static let maxChildren = 10_000

    struct PutBody: RequestBody {
        static let fields: Set<String> = ["actionId", "idKey", "nameKey", "parameter", "entries"]
        var actionId: String
        var idKey: String
        var nameKey: String
        var parameter: String
        var entries: [OrganizationMapping.Entry]?
    }

    struct SuggestBody: RequestBody {
        static let fields: Set<String> = ["parameters", "pageLimit"]
        var parameters: [String: JSONValue]?
        var pageLimit: Int?
    }

    struct MappingView: Encodable {
        var settings: OrganizationMapping.Settings?
        var entries: [OrganizationMapping.Entry]

        enum CodingKeys: CodingKey { case settings, entries }

        /// `settings` is written as null when unset, as the document describes (synthesized coding would leave it out).
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(settings, forKey: .settings)
            try container.encode(entries, forKey: .entries)
        }
    }

    struct SuggestionsView: Encodable {
        var candidates: Int
        var pages: Int
        var suggestions: [OrganizationMapping.Suggestion]
    }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("getOrganizationMapping", get)
        router.serve("putOrganizationMapping", put)
        router.serve("suggestOrganizationMapping", suggest)
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let (_, installation) = try await dependencies.installation(context, scope: .integrationsRead)
        return try JSONResponse.make(
            MappingView(settings: installation.mapping, entries: try await dependencies.store.installations.mappings(for: installation.id)))
    }

    @Sendable func put(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let (organization, installation) = try await dependencies.installation(context, scope: .integrationsWrite)
        let body = try await request.decode(PutBody.self, context: context)
        var problems = FieldProblems()
        let action =
            Identifier.isWellFormed(body.actionId, .action)
            ? try await dependencies.store.actions.find(id: body.actionId, integrationId: installation.integrationId) : nil
        if action == nil { problems.add("/actionId", "is not an action of this integration") }
        if DottedPath(body.idKey) == nil { problems.add("/idKey", "must be a dotted path such as id") }
        if DottedPath(body.nameKey) == nil { problems.add("/nameKey", "must be a dotted path such as name") }
        if body.parameter.isEmpty || body.parameter.count > 200 { problems.add("/parameter", "must be 1 to 200 characters") }
        let entries = body.entries ?? []
        if entries.count > Self.maxEntries { problems.add("/entries", "must have at most \(Self.maxEntries) entries") }
        var seen = Set<String>()
        for (index, entry) in entries.enumerated() {
            let pointer = "/entries/\(index)"
            if !seen.insert(entry.organizationId).inserted { problems.add(pointer + "/organizationId", "is mapped twice") }
            if entry.externalId.isEmpty || entry.externalId.count > 500 { problems.add(pointer + "/externalId", "must be 1 to 500 characters") }
            if let name = entry.externalName, let problem = FieldRules.text(name, at: pointer + "/externalName", max: 500) {
                problems.check(problem)
            }
            guard Identifier.isWellFormed(entry.organizationId, .organization),
                let child = try await dependencies.store.organizations.find(id: entry.organizationId),
                principal.reaches(child.path), organization.path.contains(child.path), child.id != organization.id
            else {
                problems.add(pointer + "/organizationId", "must be a descendant of the installation's organization")
                continue
            }
        }
        try problems.throwIfAny()
        let settings = OrganizationMapping.Settings(actionId: body.actionId, idKey: body.idKey, nameKey: body.nameKey, parameter: body.parameter)
        let now = dependencies.clock.nowMillis
        try await dependencies.store.installations.setMappingSettings(settings, for: installation.id, now: now)
        if body.entries != nil { try await dependencies.store.installations.replaceMappings(entries, for: installation.id, now: now) }
        return try JSONResponse.make(
            MappingView(settings: settings, entries: try await dependencies.store.installations.mappings(for: installation.id)))
    }

    /// Lists the provider's companies through the mapping action (all pages up to the limit) and matches them to
    /// the child organizations by name. Nothing is stored: the caller reviews and PUTs the entries it accepts.
    @Sendable func suggest(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let (organization, installation) = try await dependencies.installation(context, scope: .integrationsWrite)
        let body = try await request.decodeIfPresent(SuggestBody.self, context: context) ?? SuggestBody()
        guard let settings = installation.mapping else {
            throw PatchbayError(.conflict, "Set the mapping's action and keys first (PUT …/organization-mapping).")
        }
        guard let action = try await dependencies.store.actions.find(id: settings.actionId, integrationId: installation.integrationId),
            let api = try await dependencies.store.actions.api(integrationId: installation.integrationId),
            let secrets = try await dependencies.store.installations.secrets(of: installation.id)
        else { throw PatchbayError(.conflict, "The mapping's action no longer exists; set the mapping again.") }
        let result = try await connectors.runner.run(
            action.definition, api: api, installation: installation, credentials: secrets.credentials,
            request: ActionRunRequest(input: ActionInput(parameters: body.parameters ?? [:]), paginate: true, pageLimit: body.pageLimit))
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
        var cursorPage = try await dependencies.store.organizations.list(request, within: organization.path)
        while true {
            children += cursorPage.items.filter { $0.id != organization.id }.map { ($0.id, $0.name) }
            guard let next = cursorPage.nextCursor, children.count < Self.maxChildren else { break }
            request.cursor = try Cursor.decode(next, for: request.sort)
            cursorPage = try await dependencies.store.organizations.list(request, within: organization.path)
        }
        return try JSONResponse.make(
            SuggestionsView(
                candidates: candidates.count, pages: result.pages,
                suggestions: OrganizationMapping.suggest(organizations: children, candidates: candidates)))
    }

    static func text(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .int(let number): String(number)
        default: nil
        }
    }
}
