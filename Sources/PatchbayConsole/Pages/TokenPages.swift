import Hummingbird
import PatchbayCore
import PatchbayServices

/// Access Tokens: create (the token shown once), rename, revoke.
extension Console {
    static let tokenLifetimes: [(label: String, seconds: Int64?)] = [
        ("Never", nil), ("1 day", 86_400), ("7 days", 604_800), ("30 days", 2_592_000), ("90 days", 7_776_000), ("1 year", 31_536_000),
    ]

    func registerTokenPages<Context: RequestContext>(on router: Router<Context>) {
        router.get("/console/orgs/{org}/tokens") { request, context in
            try await page(request, context) { visit in try await tokensPage(request, context.parameters.get("org") ?? "", visit) }
        }
        router.get("/console/orgs/{org}/tokens/new") { request, context in
            try await page(request, context) { visit in try await newTokenPage(context.parameters.get("org") ?? "", visit, form: nil, error: nil) }
        }
        router.post("/console/orgs/{org}/tokens") { request, context in
            try await action(request, context) { visit, form in try await createToken(context.parameters.get("org") ?? "", visit, form) }
        }
        router.get("/console/orgs/{org}/tokens/{tok}/rename") { request, context in
            try await page(request, context) { visit in
                try await renameTokenPage(context.parameters.get("org") ?? "", context.parameters.get("tok") ?? "", visit, error: nil)
            }
        }
        router.post("/console/orgs/{org}/tokens/{tok}/rename") { request, context in
            try await action(request, context) { visit, form in
                try await renameToken(context.parameters.get("org") ?? "", context.parameters.get("tok") ?? "", visit, form)
            }
        }
        router.post("/console/orgs/{org}/tokens/{tok}/revoke") { request, context in
            try await action(request, context) { visit, form in
                try await revokeToken(request, context.parameters.get("org") ?? "", context.parameters.get("tok") ?? "", visit, form)
            }
        }
    }

    func tokensPage(_ request: Request, _ organizationId: String, _ visit: ConsoleAccess.Visit) async throws -> Response {
        let organization = try await services.access.organization(organizationId, for: visit.principal, scope: .tokensWrite)
        let sort = TableSort(request, allowed: TokenService.sortable, default: "createdAt", descending: true)
        let query = ListQuery(request)
        let page = try await services.tokens.list(organizationId: organization.id, query.listRequest(sort), by: visit.principal)
        let base = "/console/orgs/\(organization.id)/tokens"
        let now = services.clock.nowMillis
        let rows = page.items.map { token -> [String: Any] in
            let state: (String, String) =
                token.revokedAt != nil
                ? ("revoked", "Revoked") : (token.expiresAt.map { $0 <= now } ?? false) ? ("failed", "Expired") : ("active", "Active")
            var row: [String: Any] = [
                "id": token.id, "name": token.name, "prefix": token.prefix + "…", "scopes": Formatting.scopes(token.scopes),
                "created": Formatting.time(token.createdAt), "lastUsed": Formatting.time(token.lastUsedAt),
                "expires": token.expiresAt.map(Formatting.time) ?? "Never", "state": state.0, "stateLabel": state.1,
                "renameHref": "\(base)/\(token.id)/rename", "revokeAction": "\(base)/\(token.id)/revoke",
                "kind": token.integrationId != nil ? "Integration" : token.userId != nil ? "User" : "Organization",
            ]
            if token.revokedAt == nil { row["revocable"] = true }
            return row
        }
        let model: [String: Any] = [
            "csrf": visit.session.csrf, "rows": rows, "q": query.search ?? "", "base": base, "newHref": "\(base)/new",
            "nameHeader": sort.header("Name", "name", base: base, query: query.parameters),
            "createdHeader": sort.header("Created", "createdAt", base: base, query: query.parameters),
            "next": page.nextCursor.map { base + TableSort.query(query.parameters.merging(["cursor": $0, "sort": sort.parameter]) { $1 }) } ?? "",
        ]
        return html(
            layout(
                title: "Access Tokens · \(organization.name)", body: render("tokens", model), visit: visit, organization: organization,
                section: .tokens, crumbs: [(organization.name, "/console/orgs/\(organization.id)"), ("Access Tokens", base)], flash: flash(request)))
    }

    func newTokenPage(_ organizationId: String, _ visit: ConsoleAccess.Visit, form: FormData?, error: PatchbayError?) async throws -> Response {
        let organization = try await services.access.organization(organizationId, for: visit.principal, scope: .tokensWrite)
        let base = "/console/orgs/\(organization.id)/tokens"
        let chosenScopes = Set(form?.all("scopes") ?? ["*"])
        let chosenLifetime = form?["expiresIn"] ?? ""
        let chosenOwner = form?["integrationId"] ?? ""
        // Ryver's integration tokens: a token may act as one of the organization's integrations.
        let integrations =
            visit.principal.allows(.integrationsRead)
            ? try await services.integrations.list(organizationId: organization.id, ListRequest(limit: 200), by: visit.principal).items : []
        var model: [String: Any] = [
            "owners": [["value": "", "label": "This organization", "selected": chosenOwner.isEmpty]]
                + integrations.map { ["value": $0.id, "label": "Integration: \($0.name)", "selected": $0.id == chosenOwner] },
            "csrf": visit.session.csrf, "action": base, "cancel": base, "name": form?["name"] ?? "",
            "lifetimes": Self.tokenLifetimes.map {
                ["label": $0.label, "value": $0.seconds.map(String.init) ?? "", "selected": ($0.seconds.map(String.init) ?? "") == chosenLifetime]
            },
            "scopes": Scope.allCases.filter { visit.principal.allows($0) }.map { scope -> [String: Any] in
                [
                    "value": scope.rawValue,
                    "id": "scope-" + scope.rawValue.replacingOccurrences(of: ":", with: "-").replacingOccurrences(of: "*", with: "all"),
                    "label": scope == .all ? "Full access (*)" : scope.rawValue, "checked": chosenScopes.contains(scope.rawValue),
                ]
            },
        ]
        if let error { model.merge(FieldMessages(error).model) { $1 } }
        return html(
            layout(
                title: "Create a token · \(organization.name)", body: render("token-new", model), visit: visit, organization: organization,
                section: .tokens,
                crumbs: [(organization.name, "/console/orgs/\(organization.id)"), ("Access Tokens", base), ("Create a token", "\(base)/new")]),
            status: error == nil ? .ok : .unprocessableContent)
    }

    func createToken(_ organizationId: String, _ visit: ConsoleAccess.Visit, _ form: FormData) async throws -> Response {
        let lifetime = form["expiresIn"] ?? ""
        // "Never" is the empty choice; anything else must be one of the listed lifetimes, never silently "Never".
        guard lifetime.isEmpty || Self.tokenLifetimes.contains(where: { $0.seconds.map(String.init) == lifetime }) else {
            return try await newTokenPage(
                organizationId, visit, form: form, error: .invalid("/expiresIn", "choose one of the listed lifetimes"))
        }
        let scopes = form.all("scopes")
        let integrationId = form["integrationId"].flatMap { $0.isEmpty ? nil : $0 }
        // Full access is the form's default; an integration's token then gets the integration's default scopes.
        let asked: [String]? = integrationId != nil && scopes == ["*"] ? nil : scopes
        let input = TokenService.CreateInput(
            name: form["name"] ?? "", integrationId: integrationId, scopes: asked, expiresIn: form["expiresIn"].flatMap { Int64($0) })
        let created: TokenService.Created
        do {
            created = try await services.tokens.create(input, organizationId: organizationId, by: visit.principal)
        } catch let error as PatchbayError where error.kind == .validation || error.kind == .forbidden {
            return try await newTokenPage(organizationId, visit, form: form, error: error)
        }
        let organization = try await services.access.organization(organizationId, for: visit.principal, scope: .tokensWrite)
        let base = "/console/orgs/\(organization.id)/tokens"
        let model: [String: Any] = [
            "name": created.token.name, "secret": created.secret, "done": base, "scopes": Formatting.scopes(created.token.scopes),
            "expires": created.token.expiresAt.map(Formatting.time) ?? "Never",
        ]
        return html(
            layout(
                title: "Token created · \(organization.name)", body: render("token-created", model), visit: visit, organization: organization,
                section: .tokens, crumbs: [(organization.name, "/console/orgs/\(organization.id)"), ("Access Tokens", base)]),
            status: .created)
    }

    func renameTokenPage(_ organizationId: String, _ id: String, _ visit: ConsoleAccess.Visit, error: PatchbayError?, typed: String? = nil)
        async throws -> Response
    {
        let organization = try await services.access.organization(organizationId, for: visit.principal, scope: .tokensWrite)
        let token = try await services.tokens.get(id, organizationId: organization.id, by: visit.principal)
        let base = "/console/orgs/\(organization.id)/tokens"
        var model: [String: Any] = [
            "csrf": visit.session.csrf, "action": "\(base)/\(token.id)/rename", "cancel": base, "name": typed ?? token.name, "current": token.name,
        ]
        if let error { model.merge(FieldMessages(error).model) { $1 } }
        return html(
            layout(
                title: "Rename \(token.name)", body: render("token-rename", model), visit: visit, organization: organization, section: .tokens,
                crumbs: [(organization.name, "/console/orgs/\(organization.id)"), ("Access Tokens", base), ("Rename", "\(base)/\(token.id)/rename")]),
            status: error == nil ? .ok : .unprocessableContent)
    }

    func renameToken(_ organizationId: String, _ id: String, _ visit: ConsoleAccess.Visit, _ form: FormData) async throws -> Response {
        do {
            _ = try await services.tokens.rename(id, to: form["name"] ?? "", organizationId: organizationId, by: visit.principal)
        } catch let error as PatchbayError where error.kind == .validation {
            return try await renameTokenPage(organizationId, id, visit, error: error, typed: form["name"])
        }
        return redirect("/console/orgs/\(organizationId)/tokens?done=renamed")
    }

    func revokeToken(_ request: Request, _ organizationId: String, _ id: String, _ visit: ConsoleAccess.Visit, _ form: FormData) async throws
        -> Response
    {
        let token = try await services.tokens.get(id, organizationId: organizationId, by: visit.principal)
        guard form["confirmed"] == "yes" else {
            return try await confirmPage(
                visit, organizationId: organizationId, section: .tokens, title: "Revoke \(token.name)?",
                message: "The token “\(token.name)” (\(token.prefix)…) stops working at once. This cannot be undone.",
                action: "/console/orgs/\(organizationId)/tokens/\(token.id)/revoke", button: "Revoke",
                cancel: "/console/orgs/\(organizationId)/tokens")
        }
        try await services.tokens.revoke(token.id, organizationId: organizationId, by: visit.principal)
        return redirect("/console/orgs/\(organizationId)/tokens?done=revoked")
    }

    /// The page a destructive form shows without script: what will happen, and a "Confirm" button.
    func confirmPage(
        _ visit: ConsoleAccess.Visit, organizationId: String, section: Section, title: String, message: String, action: String, button: String,
        cancel: String, extra: [String: String] = [:]
    ) async throws -> Response {
        let organization = try await services.access.organization(organizationId, reachedBy: visit.principal)
        let model: [String: Any] = [
            "csrf": visit.session.csrf, "title": title, "message": message, "action": action, "button": button, "cancel": cancel,
            "extra": extra.sorted { $0.key < $1.key }.map { ["name": $0.key, "value": $0.value] },
        ]
        return html(
            layout(title: title, body: render("confirm", model), visit: visit, organization: organization, section: section))
    }
}

/// Paging and search from the query string.
struct ListQuery {
    var search: String?
    var cursor: String?
    var parameters: [String: String] = [:]
    static let pageSize = 25

    init(_ request: Request, extra: [String] = []) {
        let query = request.uri.queryParameters
        search = FormData.search(in: request.uri.query).flatMap { $0.isEmpty ? nil : String($0.prefix(200)) }
        cursor = query["cursor"].map(String.init)
        if let search { parameters["q"] = search }
        for name in extra { if let value = query[Substring(name)], !value.isEmpty { parameters[name] = String(value.prefix(200)) } }
    }

    func listRequest(_ sort: TableSort) -> ListRequest {
        var request = ListRequest(limit: Self.pageSize, sort: sort.order)
        request.search = search?.lowercased()
        // A cursor from another sort (or edited by hand) starts the list over rather than failing the page.
        if let cursor { request.cursor = try? Cursor.decode(cursor, for: request.sort) }
        return request
    }
}

/// Field problems of a failed form, keyed for the template (`nameError`, …) plus the summary.
struct FieldMessages {
    var model: [String: Any] = [:]

    /// The error on one line: its detail, then each field's problem (for a panel's message beside its result).
    static func summary(_ error: PatchbayError) -> String {
        ([error.detail] + error.errors.map { "\($0.pointer ?? $0.parameter ?? ""): \($0.message)" }).joined(separator: " ")
    }

    init(_ error: PatchbayError) {
        var summary: [String] = []
        for problem in error.errors {
            let field = (problem.pointer ?? problem.parameter ?? "").split(separator: "/").first.map(String.init) ?? ""
            if !field.isEmpty, model[field + "Error"] == nil { model[field + "Error"] = problem.message }
            summary.append(field.isEmpty ? problem.message : "\(field): \(problem.message)")
        }
        if summary.isEmpty { summary.append(error.detail) }
        model["problems"] = summary
        model["hasProblems"] = true
    }
}
