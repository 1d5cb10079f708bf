import Hummingbird
import PatchbayCore
import PatchbayServices

/// The organization overview (with its tree of child organizations) and the event types catalog.
extension Console {
    func registerOrganizationPages<Context: RequestContext>(on router: Router<Context>) {
        router.get("/console/orgs/{org}") { request, context in
            try await page(request, context) { visit in try await overviewPage(request, context.parameters.get("org") ?? "", visit) }
        }
    }

    func registerEventTypePages<Context: RequestContext>(on router: Router<Context>) {
        router.get("/console/event-types") { request, context in
            try await page(request, context) { visit in try await eventTypesPage(request, visit) }
        }
        router.get("/console/orgs/{org}/webhooks/{wh}/rows") { request, context in
            try await page(request, context, touch: false) { visit in
                try await deliveryRowsFragment(request, context.parameters.get("org") ?? "", context.parameters.get("wh") ?? "", visit)
            }
        }
    }

    func overviewPage(_ request: Request, _ organizationId: String, _ visit: ConsoleAccess.Visit) async throws -> Response {
        let organization = try await services.access.organization(organizationId, reachedBy: visit.principal)
        var model: [String: Any] = ["name": organization.name, "id": organization.id, "created": Formatting.time(organization.createdAt)]
        if visit.principal.allows(.organizationsRead) {
            let tree = try await services.organizations.subtree(of: organization.id, by: visit.principal)
            model["tree"] = Self.treeHTML(tree, root: organization)
            model["childCount"] = tree.count - 1
        }
        if visit.principal.allows(.webhooksRead) {
            let webhooks = try await services.webhooks.list(organizationId: organization.id, ListRequest(limit: 100), by: visit.principal).items
            model["webhookCount"] = webhooks.count
            model["failing"] = webhooks.filter { $0.state == .failing || $0.state == .disabled }.count
            model["paused"] = webhooks.filter { $0.state == .paused }.count
            model["chart"] = Charts.all(try await chartData(webhooks), scope: "across its web hooks")
            model["webhooksHref"] = Section.webhooks.path(organization.id)
        }
        return html(
            layout(
                title: organization.name, body: render("overview", model), visit: visit, organization: organization, section: .overview,
                crumbs: [(organization.name, "/console/orgs/\(organization.id)")], flash: flash(request)))
    }

    /// Nested lists, parents before children (the subtree comes sorted by creation, so parents come first).
    static func treeHTML(_ organizations: [Organization], root: Organization) -> String {
        var children: [String: [Organization]] = [:]
        for organization in organizations where organization.id != root.id {
            children[organization.parentId ?? "", default: []].append(organization)
        }
        func render(_ organization: Organization, depth: Int) -> String {
            var html = "<li><a href=\"/console/orgs/\(organization.id)\">\(Charts.escape(organization.name))</a>"
            if let kids = children[organization.id], !kids.isEmpty, depth < 20 {
                html += "<ul>" + kids.map { render($0, depth: depth + 1) }.joined() + "</ul>"
            }
            return html + "</li>"
        }
        return "<ul class=\"tree\">" + render(root, depth: 0) + "</ul>"
    }

    func eventTypesPage(_ request: Request, _ visit: ConsoleAccess.Visit) async throws -> Response {
        let search = FormData.search(in: request.uri.query).map { String($0.prefix(200)) }
        let types = try await services.eventTypes.list(search: search?.isEmpty == false ? search : nil, by: visit.principal)
        var organization: Organization?
        if let id = request.uri.queryParameters["org"].map(String.init) ?? visit.principal.organizationId {
            organization = try? await services.access.organization(id, reachedBy: visit.principal)
        }
        let model: [String: Any] = [
            "q": search ?? "", "org": organization?.id ?? "",
            "types": types.enumerated().map { index, type in
                [
                    "name": type.name, "description": type.description, "example": Formatting.pretty(type.example), "builtIn": type.builtIn,
                    "schema": type.schema.map { _ in "yes" } ?? "", "id": "type-\(index)",
                ]
            },
        ]
        return html(
            layout(title: "Event Types", body: render("event-types", model), visit: visit, organization: organization, section: .eventTypes))
    }
}
