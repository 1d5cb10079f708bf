import Hummingbird
import PatchbayCore
import PatchbayServices

/// Inbound web hooks with the requests they received and their verdicts, and the organization's slash commands.
extension Console {
    func registerInboundPages<Context: RequestContext>(on router: Router<Context>) {
        router.get("/console/orgs/{org}/inbound") { request, context in
            try await page(request, context) { visit in try await inboundPage(request, context.parameters.get("org") ?? "", visit) }
        }
        router.get("/console/orgs/{org}/inbound/{inb}") { request, context in
            try await page(request, context) { visit in
                try await inboundDetailPage(request, context.parameters.get("org") ?? "", context.parameters.get("inb") ?? "", visit)
            }
        }
        router.get("/console/orgs/{org}/commands") { request, context in
            try await page(request, context) { visit in try await commandsPage(request, context.parameters.get("org") ?? "", visit) }
        }
    }

    func inboundPage(_ request: Request, _ organizationId: String, _ visit: ConsoleAccess.Visit) async throws -> Response {
        let organization = try await services.access.organization(organizationId, for: visit.principal, scope: .webhooksRead)
        let sort = TableSort(request, allowed: InboundService.sortable, default: "createdAt", descending: true)
        let query = ListQuery(request)
        let page = try await services.inbound.list(organizationId: organization.id, query.listRequest(sort), by: visit.principal)
        let base = "/console/orgs/\(organization.id)/inbound"
        let rows = page.items.map { inbound -> [String: Any] in
            [
                "name": inbound.name, "href": "\(base)/\(inbound.id)", "eventType": inbound.eventType, "created": Formatting.time(inbound.createdAt),
                "scheme": inbound.verification.scheme.rawValue, "accepted": inbound.stats.accepted, "rejected": inbound.stats.rejected,
                "lastReceived": Formatting.time(inbound.stats.lastReceivedAt),
            ]
        }
        let headers = [("Name", "name"), ("Event type", "eventType"), ("Created", "createdAt")].map {
            sort.header($0.0, $0.1, base: base, query: query.parameters)
        }
        let model: [String: Any] = [
            "rows": rows, "q": query.search ?? "", "base": base, "headers": headers,
            "next": page.nextCursor.map { base + TableSort.query(query.parameters.merging(["cursor": $0, "sort": sort.parameter]) { $1 }) } ?? "",
        ]
        return html(
            layout(
                title: "Inbound · \(organization.name)", body: render("inbound", model), visit: visit, organization: organization, section: .inbound,
                crumbs: [(organization.name, "/console/orgs/\(organization.id)"), ("Inbound", base)], flash: flash(request)))
    }

    func inboundDetailPage(_ request: Request, _ organizationId: String, _ id: String, _ visit: ConsoleAccess.Visit) async throws -> Response {
        let organization = try await services.access.organization(organizationId, for: visit.principal, scope: .webhooksRead)
        let inbound = try await services.inbound.get(id, organizationId: organization.id, by: visit.principal)
        let verdictText = request.uri.queryParameters["verdict"].map(String.init) ?? ""
        let verdict = InboundRequest.Verdict(rawValue: verdictText)
        let sort = TableSort(request, allowed: InboundService.requestsSortable, default: "receivedAt", descending: true)
        let query = ListQuery(request, extra: ["verdict"])
        var listRequest = query.listRequest(sort)
        listRequest.search = nil
        let page = try await services.inbound.requests(
            inbound.id, organizationId: organization.id, verdict: verdict, listRequest, by: visit.principal)
        let base = "/console/orgs/\(organization.id)/inbound/\(inbound.id)"
        let model: [String: Any] = [
            "name": inbound.name, "active": inbound.active, "path": inbound.path, "eventType": inbound.eventType,
            "scheme": inbound.verification.scheme.rawValue, "accepted": inbound.stats.accepted, "rejected": inbound.stats.rejected,
            "duplicates": inbound.stats.duplicates, "lastRejection": inbound.stats.lastRejection ?? "", "base": base, "filtered": verdict != nil,
            "verdicts": InboundRequest.Verdict.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == verdictText] },
            "requests": page.items.map { received -> [String: Any] in
                [
                    "received": Formatting.time(received.receivedAt), "verdict": received.verdict.rawValue,
                    "state": received.verdict == .invalid ? "failed" : "succeeded", "eventId": received.eventId ?? "",
                    "problems": received.problems.map { ($0.pointer.map { "\($0): " } ?? "") + $0.message },
                    "headers": Formatting.headers(received.headers),
                    "body": received.bodyEncoding == "base64"
                        ? "(binary body, \(received.body.count) base64 characters)" : Formatting.prettyText(received.body),
                ]
            },
            "next": page.nextCursor.map { base + TableSort.query(query.parameters.merging(["cursor": $0, "sort": sort.parameter]) { $1 }) } ?? "",
        ]
        return html(
            layout(
                title: "\(inbound.name) · Inbound", body: render("inbound-detail", model), visit: visit, organization: organization,
                section: .inbound,
                crumbs: [
                    (organization.name, "/console/orgs/\(organization.id)"), ("Inbound", "/console/orgs/\(organization.id)/inbound"),
                    (inbound.name, base),
                ]))
    }

    func commandsPage(_ request: Request, _ organizationId: String, _ visit: ConsoleAccess.Visit) async throws -> Response {
        let organization = try await services.access.organization(organizationId, for: visit.principal, scope: .actionsRun)
        let search = FormData.search(in: request.uri.query).map { SlashCommand.normalized(String($0.prefix(100))) } ?? ""
        let commands = try await services.commands.usable(organizationId: organization.id, prefix: search, by: visit.principal)
        let base = "/console/orgs/\(organization.id)/commands"
        let model: [String: Any] = [
            "q": search, "base": base,
            "rows": commands.map { usable -> [String: Any] in
                [
                    "name": usable.command.name, "description": usable.command.description, "usage": usable.command.usage ?? "",
                    "integration": usable.integrationName,
                ]
            },
        ]
        return html(
            layout(
                title: "Commands · \(organization.name)", body: render("commands", model), visit: visit, organization: organization,
                section: .commands,
                crumbs: [(organization.name, "/console/orgs/\(organization.id)"), ("Commands", base)]))
    }
}
