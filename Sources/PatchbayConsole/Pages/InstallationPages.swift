import Hummingbird
import PatchbayConnectors
import PatchbayCore
import PatchbayServices

/// An installation's page: which integration, where, its state (authorization, token expiry, mapping), Connect
/// for the OAuth authorization code grant, a run form for any of its actions with the result and its pages, and
/// Uninstall. Installing is on the integration's page.
extension Console {
    static let runActionChoices = 200

    func registerInstallationPages<Context: RequestContext>(on router: Router<Context>) {
        router.get("/console/orgs/{org}/installations/{ins}") { request, context in
            try await page(request, context) { visit in
                try await installationPage(request, context.parameters.get("org") ?? "", context.parameters.get("ins") ?? "", visit)
            }
        }
        router.post("/console/orgs/{org}/installations/{ins}/uninstall") { request, context in
            try await action(request, context) { visit, form in
                let (org, ins) = (context.parameters.get("org") ?? "", context.parameters.get("ins") ?? "")
                let (_, installation) = try await services.installations.get(ins, organizationId: org, by: visit.principal, scope: .integrationsWrite)
                guard form["confirmed"] == "yes" else {
                    let name = try await services.installations.integrationName(of: installation) ?? installation.integrationId
                    return try await confirmPage(
                        visit, organizationId: org, section: .integrations, title: "Uninstall \(name)?",
                        message: "Its credentials and tokens are deleted here; its web hooks stop receiving this organization's events.",
                        action: "/console/orgs/\(org)/installations/\(ins)/uninstall", button: "Uninstall",
                        cancel: "/console/orgs/\(org)/installations/\(ins)")
                }
                try await services.installations.delete(ins, organizationId: org, by: visit.principal)
                return redirect("/console/orgs/\(org)/integrations?done=deleted")
            }
        }
        router.post("/console/orgs/{org}/installations/{ins}/connect") { request, context in
            try await action(request, context) { visit, _ in
                let location = try await services.installations.authorize(
                    context.parameters.get("ins") ?? "", organizationId: context.parameters.get("org") ?? "",
                    redirectURI: oauthRedirectURL(request), by: visit.principal)
                return try providerRedirect(location)
            }
        }
        router.post("/console/orgs/{org}/installations/{ins}/run") { request, context in
            try await action(request, context) { visit, form in
                try await installationPage(
                    request, context.parameters.get("org") ?? "", context.parameters.get("ins") ?? "", visit, runForm: form)
            }
        }
    }

    /// 303 to the provider's authorization page: the one place the console sends a browser off-site, and only to
    /// the absolute http(s) URL the authorizer built from the integration's settings.
    func providerRedirect(_ location: String) throws -> Response {
        let lower = location.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), !location.contains(where: { $0.isNewline }) else {
            throw PatchbayError(.conflict, "The integration's authorization URL is not an http(s) URL.")
        }
        var fields = HTTPFields()
        SecurityHeaders.apply(to: &fields, settings: settings)
        fields[.location] = location
        return Response(status: .seeOther, headers: fields)
    }

    func installationPage(
        _ request: Request, _ organizationId: String, _ id: String, _ visit: ConsoleAccess.Visit, runForm: FormData? = nil,
        suggestions: OrganizationMappingService.Suggestions? = nil, mappingForm: FormData? = nil, mappingError: PatchbayError? = nil
    ) async throws -> Response {
        let (organization, installation) = try await services.installations.get(id, organizationId: organizationId, by: visit.principal)
        let name = try await services.installations.integrationName(of: installation) ?? installation.integrationId
        let apiSettings = try await services.installations.settings(of: installation)
        let base = "/console/orgs/\(organization.id)/installations/\(installation.id)"
        let auth = apiSettings?.auth
        var model: [String: Any] = [
            "csrf": visit.session.csrf, "base": base, "name": name, "id": installation.id, "integrationId": installation.integrationId,
            "state": installation.state.rawValue, "stateClass": installation.state == .ready ? "active" : "paused",
            "reason": installation.stateReason ?? "", "tokenExpires": installation.tokenExpiresAt.map(Formatting.time) ?? "",
            "mapped": installation.mapping.map { "companies listed by action \($0.actionId), passed to runs as \($0.parameter)" } ?? "",
            "created": Formatting.time(installation.createdAt), "updated": Formatting.time(installation.updatedAt),
            "canWrite": visit.principal.allows(.integrationsWrite), "canRun": visit.principal.allows(.actionsRun),
            "authType": auth.map { current in Self.authChoiceAids.first { $0.value == BuilderForms.authChoice(current) }?.label ?? "" } ?? "",
            "connectable": auth?.type == .oauth2 && auth?.grantType == .authorizationCode,
            "needsConnect": installation.state != .ready,
        ]
        // The run form: the actions to choose from, then the chosen one's fields.
        let query = request.uri.queryParameters
        let chosen = runForm?["action"] ?? query["action"].map(String.init)
        var listRequest = ListRequest(limit: Self.runActionChoices, sort: SortOrder(field: "name", descending: false))
        listRequest.search = FormData.search(in: request.uri.query).map { String($0.prefix(200)).lowercased() }.flatMap { $0.isEmpty ? nil : $0 }
        let actions = try await services.installations.actionSummaries(of: installation, listRequest)
        model["actionChoices"] = actions.items.map { ["id": $0.id, "name": "\($0.name) — \($0.method) \($0.path)", "selected": $0.id == chosen] }
        model["moreActions"] = actions.nextCursor != nil
        var status: HTTPResponse.Status = .ok
        if visit.principal.allows(.integrationsWrite),
            var mapping = try await mappingModel(
                installation, organization: organization, base: base, visit: visit, suggestions: suggestions, form: mappingForm)
        {
            if let mappingError {
                mapping["mappingProblem"] = FieldMessages.summary(mappingError)
                status = .unprocessableContent
            }
            model["mapping"] = mapping
        }
        if let chosen, let action = try? await services.installations.action(chosen, of: installation) {
            model["run"] =
                [
                    "id": action.id, "name": action.definition.name, "method": action.definition.method, "path": action.definition.path,
                    "description": action.definition.description, "parameters": RunResults.parameterFields(action.definition, form: runForm),
                    "hasBody": action.definition.requestBody != nil, "body": runForm?["body"] ?? "", "paginated": action.definition.paginated,
                    "paginate": runForm?["paginate"] == "yes", "pageLimit": runForm?["pageLimit"] ?? "",
                ] as [String: Any]
            if let runForm {
                do {
                    var limit: Int?
                    if let text = runForm["pageLimit"], !text.isEmpty {
                        guard let value = Int(text), (1...APISettings.Pagination.maximumPageLimit).contains(value) else {
                            throw PatchbayError.invalid("/pageLimit", "must be from 1 to \(APISettings.Pagination.maximumPageLimit)")
                        }
                        limit = value
                    }
                    let input = try RunResults.input(runForm, for: action.definition)
                    let result = try await services.installations.run(
                        action, of: installation, in: organization,
                        InstallationService.RunInput(input: input, paginate: runForm["paginate"] == "yes", pageLimit: limit), by: visit.principal)
                    model["result"] = RunResults.model(result)
                } catch let error as PatchbayError where RunResults.isShownBesideTheForm(error) {
                    model.merge(FieldMessages(error).model) { $1 }
                    model["runProblem"] = error.detail
                    status = .unprocessableContent
                }
            }
        }
        return html(
            layout(
                title: "\(name) · Installation", body: render("installation", model), visit: visit, organization: organization,
                section: .integrations,
                crumbs: [
                    (organization.name, "/console/orgs/\(organization.id)"), ("Integrations", "/console/orgs/\(organization.id)/integrations"),
                    (name, base),
                ], flash: flash(request)),
            status: status,
            formTargets: auth?.type == .oauth2 && auth?.grantType == .authorizationCode ? [auth?.authorizationUrl ?? ""] : [])
    }
}
