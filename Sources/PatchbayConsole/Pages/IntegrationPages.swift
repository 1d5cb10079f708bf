import Hummingbird
import PatchbayCore
import PatchbayServices

/// Integrations: the list, a new integration with its app or bot user and features, the Turn-style endpoint form
/// (Name, URL, HTTP Authentication type, API Token) with its handshake and secret shown once, and an integration's
/// page (finalize, publish or hide, delete).
extension Console {
    static let featureLabels: [(Integration.Feature, String, String)] = [
        (.outboundWebhooks, "Outbound web hooks", "Events sent to the integration's URLs."),
        (.inboundWebhooks, "Inbound web hooks", "URLs the integration's service posts to."),
        (.slashCommands, "Slash commands", "Commands people type, answered by the integration's endpoint."),
        (.actions, "Actions", "Operations run against the integration's API."),
    ]

    func registerIntegrationPages<Context: RequestContext>(on router: Router<Context>) {
        router.get("/console/orgs/{org}/integrations") { request, context in
            try await page(request, context) { visit in try await integrationsPage(request, context.parameters.get("org") ?? "", visit) }
        }
        router.get("/console/orgs/{org}/integrations/new") { request, context in
            try await page(request, context) { visit in
                try await newIntegrationPage(
                    context.parameters.get("org") ?? "", visit, endpoint: request.uri.queryParameters["kind"] == "endpoint", form: nil, error: nil)
            }
        }
        router.post("/console/orgs/{org}/integrations") { request, context in
            try await action(request, context) { visit, form in try await createIntegration(context.parameters.get("org") ?? "", visit, form) }
        }
        router.get("/console/orgs/{org}/integrations/{int}") { request, context in
            try await page(request, context) { visit in
                try await integrationPage(request, context.parameters.get("org") ?? "", context.parameters.get("int") ?? "", visit)
            }
        }
        router.post("/console/orgs/{org}/integrations/{int}/{verb}") { request, context in
            try await action(request, context) { visit, form in
                try await integrationAction(
                    request, context.parameters.get("verb") ?? "", context.parameters.get("org") ?? "", context.parameters.get("int") ?? "", visit,
                    form)
            }
        }
    }

    private func integrationCrumbs(_ organization: Organization, _ more: (String, String)...) -> [(String, String)] {
        [(organization.name, "/console/orgs/\(organization.id)"), ("Integrations", "/console/orgs/\(organization.id)/integrations")] + more
    }

    func integrationsPage(_ request: Request, _ organizationId: String, _ visit: ConsoleAccess.Visit) async throws -> Response {
        let organization = try await services.access.organization(organizationId, for: visit.principal, scope: .integrationsRead)
        let sort = TableSort(request, allowed: IntegrationService.sortable, default: "createdAt", descending: true)
        let query = ListQuery(request)
        let page = try await services.integrations.list(organizationId: organization.id, query.listRequest(sort), by: visit.principal)
        let base = "/console/orgs/\(organization.id)/integrations"
        let rows = page.items.map { integration -> [String: Any] in
            [
                "name": integration.name, "href": "\(base)/\(integration.id)", "status": integration.status.rawValue,
                "statusLabel": integration.status.rawValue.capitalized, "user": integration.userKind == .bot ? "Bot" : "App",
                "kind": integration.endpoint != nil ? "Endpoint" : "Custom",
                "features": integration.features.map(\.rawValue).joined(separator: ", "), "updated": Formatting.time(integration.updatedAt),
            ]
        }
        let headers = [("Name", "name"), ("Status", "status"), ("Updated", "updatedAt")].map {
            sort.header($0.0, $0.1, base: base, query: query.parameters)
        }
        let model: [String: Any] = [
            "rows": rows, "q": query.search ?? "", "base": base, "headers": headers,
            "canWrite": visit.principal.allows(.integrationsWrite) && visit.principal.integrationId == nil,
            "newHref": "\(base)/new", "endpointHref": "\(base)/new?kind=endpoint", "importHref": "\(base)/import",
            "next": page.nextCursor.map { base + TableSort.query(query.parameters.merging(["cursor": $0, "sort": sort.parameter]) { $1 }) } ?? "",
        ]
        return html(
            layout(
                title: "Integrations · \(organization.name)", body: render("integrations", model), visit: visit, organization: organization,
                section: .integrations, crumbs: integrationCrumbs(organization), flash: flash(request)))
    }

    func newIntegrationPage(_ organizationId: String, _ visit: ConsoleAccess.Visit, endpoint: Bool, form: FormData?, error: PatchbayError?)
        async throws -> Response
    {
        let organization = try await services.access.organization(organizationId, for: visit.principal, scope: .integrationsWrite)
        let base = "/console/orgs/\(organization.id)/integrations"
        let chosen = Set(form?.all("features") ?? Integration.Feature.defaults.map(\.rawValue))
        var model: [String: Any] = [
            "csrf": visit.session.csrf, "action": base, "cancel": base, "name": form?["name"] ?? "", "description": form?["description"] ?? "",
            "url": form?["url"] ?? "", "bot": form?["bot"] == "yes", "endpoint": endpoint, "tokenScheme": form?["scheme"] == "Token",
            "features": Self.featureLabels.map { feature, label, hint in
                [
                    "value": feature.rawValue, "label": label, "hint": hint, "checked": chosen.contains(feature.rawValue),
                    "id": "feature-\(feature.rawValue)",
                ]
            },
        ]
        if let error {
            var messages = FieldMessages(error).model
            // The endpoint form's fields are flat; the service reports them below /endpoint.
            for problem in error.errors {
                switch problem.pointer ?? "" {
                case "/endpoint/url": messages["urlError"] = problem.message
                case let pointer where pointer.hasPrefix("/endpoint/authorization"): messages["tokenError"] = problem.message
                default: break
                }
            }
            model.merge(messages) { $1 }
        }
        let title = endpoint ? "Create Integration" : "New Integration"
        return html(
            layout(
                title: "\(title) · \(organization.name)", body: render("integration-new", model), visit: visit, organization: organization,
                section: .integrations, crumbs: integrationCrumbs(organization, (title, "\(base)/new\(endpoint ? "?kind=endpoint" : "")"))),
            status: error == nil ? .ok : .unprocessableContent)
    }

    func createIntegration(_ organizationId: String, _ visit: ConsoleAccess.Visit, _ form: FormData) async throws -> Response {
        let isEndpoint = form["kind"] == "endpoint"
        var input = IntegrationService.CreateInput(
            name: form["name"] ?? "", description: form["description"], bot: form["bot"] == "yes",
            features: isEndpoint ? nil : form.all("features"))
        if isEndpoint {
            var endpoint: [String: JSONValue] = ["url": .string(form["url"] ?? "")]
            let token = form["token"] ?? ""
            if !token.isEmpty { endpoint["authorization"] = .object(["scheme": .string(form["scheme"] ?? "Bearer"), "token": .string(token)]) }
            input.endpoint = .object(endpoint)
        }
        let created: IntegrationService.Created
        do {
            created = try await services.integrations.create(input, organizationId: organizationId, by: visit.principal)
        } catch let error as PatchbayError where error.kind == .validation {
            return try await newIntegrationPage(organizationId, visit, endpoint: isEndpoint, form: form, error: error)
        }
        // The secret is shown once, on the integration's own page (a reload does not show it again).
        if created.secret != nil { try await services.console.allowReveal(created.integration.id, in: visit) }
        if !isEndpoint, created.integration.features.contains(.actions) {
            // A custom integration goes on to the builder: its API, authentication, pagination and actions.
            return redirect("/console/orgs/\(organizationId)/integrations/\(created.integration.id)/build/host?done=saved")
        }
        return redirect("/console/orgs/\(organizationId)/integrations/\(created.integration.id)?done=saved")
    }

    func integrationPage(
        _ request: Request, _ organizationId: String, _ id: String, _ visit: ConsoleAccess.Visit, installForm: FormData? = nil,
        installError: PatchbayError? = nil
    ) async throws -> Response {
        let organization = try await services.access.organization(organizationId, for: visit.principal, scope: .integrationsRead)
        let (integration, api) = try await services.integrations.settings(id, organizationId: organization.id, by: visit.principal)
        let base = "/console/orgs/\(organization.id)/integrations/\(integration.id)"
        var model: [String: Any] = [
            "csrf": visit.session.csrf, "base": base, "name": integration.name, "id": integration.id, "description": integration.description,
            "status": integration.status.rawValue, "statusLabel": integration.status.rawValue.capitalized, "draft": integration.status == .draft,
            "published": integration.status == .published, "hidden": integration.status == .hidden,
            "user": integration.userKind == .bot ? "Bot user" : "App user", "userId": integration.userId,
            "features": Self.featureLabels.filter { integration.features.contains($0.0) }.map { ["label": $0.1] },
            "created": Formatting.time(integration.createdAt), "updated": Formatting.time(integration.updatedAt),
            "canWrite": visit.principal.allows(.integrationsWrite), "apiBase": api?.settings.baseUrl ?? "",
            "tokensHref": "/console/orgs/\(organization.id)/tokens",
        ]
        let installations = try await services.installations.list(
            integrationId: integration.id, organizationId: organization.id, ListRequest(limit: 100), by: visit.principal
        ).items
        model["installations"] = installations.map { installation -> [String: Any] in
            [
                "href": "/console/orgs/\(installation.organizationId)/installations/\(installation.id)",
                "organizationId": installation.organizationId,
                "state": installation.state.rawValue, "stateClass": installation.state == .ready ? "active" : "paused",
                "created": Formatting.time(installation.createdAt),
            ]
        }
        let canInstall = integration.status == .published && visit.principal.allows(.integrationsWrite) && visit.principal.integrationId == nil
        if canInstall {
            // Where it can go: this organization or one below it that the session reaches.
            let targets = (try? await services.organizations.subtree(of: organization.id, by: visit.principal)) ?? [organization]
            let chosen = installForm?["organizationId"] ?? organization.id
            model["install"] =
                [
                    "action": "\(base)/install",
                    "targets": targets.map { ["id": $0.id, "name": $0.name, "selected": $0.id == chosen] },
                    "apiKey": api?.settings.auth.type == .apiKey, "basic": api?.settings.auth.type == .basic,
                    "client": api?.settings.auth.type == .oauth2,
                    "connectAfter": api?.settings.auth.type == .oauth2 && api?.settings.auth.grantType == .authorizationCode,
                    "username": installForm?["username"] ?? "", "clientId": installForm?["clientId"] ?? "",
                ] as [String: Any]
        }
        if let installError { model.merge(FieldMessages(installError).model) { $1 } }
        if integration.endpoint == nil, integration.features.contains(.actions), visit.principal.allows(.integrationsWrite) {
            model["buildHref"] = "\(base)/build/details"
            model["actionsHref"] = "\(base)/actions"
            model["reimportHref"] = "\(base)/reimport"
        }
        if let endpoint = integration.endpoint {
            model["endpointURL"] = endpoint.url
            model["endpointAuth"] = endpoint.authorizationScheme.map { "\($0) token" } ?? "None"
            model["endpointWebhookHref"] = "/console/orgs/\(organization.id)/webhooks/\(endpoint.webhookId)"
            if let webhook = try? await services.webhooks.get(endpoint.webhookId, organizationId: organization.id, by: visit.principal),
                try await services.console.takeReveal(integration.id, in: visit)
            {
                // The reveal mark is the integration's id; the secret and handshake are its endpoint webhook's.
                try await services.console.allowReveal(webhook.id, in: visit)
                if let reveal = try await revealModel(webhook, visit: visit) { model.merge(reveal) { $1 } }
            }
        }
        return html(
            layout(
                title: "\(integration.name) · Integrations", body: render("integration", model), visit: visit, organization: organization,
                section: .integrations, crumbs: integrationCrumbs(organization, (integration.name, base)), flash: flash(request)),
            status: installError == nil ? .ok : .unprocessableContent)
    }

    func integrationAction(
        _ request: Request, _ verb: String, _ organizationId: String, _ id: String, _ visit: ConsoleAccess.Visit, _ form: FormData
    ) async throws -> Response {
        let base = "/console/orgs/\(organizationId)/integrations/\(id)"
        let (integration, _) = try await services.integrations.settings(id, organizationId: organizationId, by: visit.principal)
        switch verb {
        case "finalize":
            guard form["confirmed"] == "yes" else {
                return try await confirmPage(
                    visit, organizationId: organizationId, section: .integrations, title: "Finalize \(integration.name)?",
                    message: "A finalized integration never returns to draft, and some of its fields can no longer be edited.",
                    action: "\(base)/finalize", button: "Finalize", cancel: base,
                    extra: ["status": form["status"] == "hidden" ? "hidden" : "published"])
            }
            _ = try await services.integrations.finalize(
                id, status: form["status"] == "hidden" ? "hidden" : "published", organizationId: organizationId, by: visit.principal)
            return redirect("\(base)?done=saved")
        case "status":
            var input = IntegrationService.UpdateInput()
            input.status = form["status"] == "hidden" ? "hidden" : "published"
            _ = try await services.integrations.update(id, input, organizationId: organizationId, by: visit.principal)
            return redirect("\(base)?done=saved")
        case "install":
            var credentials: [String: JSONValue] = [:]
            for field in ["apiKey", "username", "password", "clientId", "clientSecret"] {
                if let value = form[field], !value.isEmpty { credentials[field] = .string(value) }
            }
            let installation: Installation
            do {
                installation = try await services.installations.create(
                    integrationId: integration.id, ownerOrganizationId: organizationId, targetOrganizationId: form["organizationId"],
                    credentials: .object(credentials), by: visit.principal)
            } catch let error as PatchbayError where error.kind == .validation || error.kind == .conflict {
                return try await integrationPage(request, organizationId, id, visit, installForm: form, installError: error)
            }
            return redirect("/console/orgs/\(installation.organizationId)/installations/\(installation.id)?done=installed")
        case "delete":
            guard form["confirmed"] == "yes" else {
                return try await confirmPage(
                    visit, organizationId: organizationId, section: .integrations, title: "Delete \(integration.name)?",
                    message: "The integration, its user, its tokens, web hooks and actions are deleted.",
                    action: "\(base)/delete", button: "Delete", cancel: base)
            }
            try await services.integrations.delete(id, organizationId: organizationId, by: visit.principal)
            return redirect("/console/orgs/\(organizationId)/integrations?done=deleted")
        default:
            throw PatchbayError.notFound("Action \(verb.prefix(40))")
        }
    }
}
