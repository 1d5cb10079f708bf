import Hummingbird
import PatchbayConnectors
import PatchbayCore
import PatchbayServices

/// The custom-integration builder: one plain form per step (name and icon, API hostname, authentication and its
/// defaults, pagination and its details, actions, finalize), each saved on Next or Back so nothing typed is lost,
/// and refused with its messages beside the fields.
extension Console {
    func registerBuilderPages<Context: RequestContext>(on router: Router<Context>) {
        router.get("/console/orgs/{org}/integrations/{int}/build") { request, context in
            try await page(request, context) { _ in
                redirect("/console/orgs/\(context.parameters.get("org") ?? "")/integrations/\(context.parameters.get("int") ?? "")/build/details")
            }
        }
        router.get("/console/orgs/{org}/integrations/{int}/build/{step}") { request, context in
            try await page(request, context) { visit in
                try await builderPage(
                    request, context.parameters.get("org") ?? "", context.parameters.get("int") ?? "", step: context.parameters.get("step") ?? "",
                    visit, form: nil, error: nil)
            }
        }
        router.post("/console/orgs/{org}/integrations/{int}/build/{step}") { request, context in
            try await action(request, context) { visit, form in
                try await saveBuilderStep(
                    request, context.parameters.get("org") ?? "", context.parameters.get("int") ?? "", step: context.parameters.get("step") ?? "",
                    visit, form)
            }
        }
        for (path, kind) in [("test-connection", TrialKind.connection), ("preview-pages", TrialKind.pages)] {
            router.post("/console/orgs/{org}/integrations/{int}/build/\(path)") { request, context in
                try await action(request, context) { visit, form in
                    try await runTrial(
                        kind, request, context.parameters.get("org") ?? "", context.parameters.get("int") ?? "", visit, form)
                }
            }
        }
        router.get("/console/orgs/{org}/integrations/{int}/icon.svg") { request, context in
            try await page(request, context) { visit in
                try await integrationIcon(context.parameters.get("org") ?? "", context.parameters.get("int") ?? "", visit)
            }
        }
    }

    static let authChoiceAids: [(value: String, label: String, reasons: [String])] = [
        (
            "apiKey", "API Key",
            [
                "The provider gives you a key or token to paste into the integration.",
                "Requests carry it in a header (Authorization, X-API-Key…) or in the query string.",
                "It does not expire on its own, so nothing needs refreshing.",
            ]
        ),
        (
            "basic", "Basic Auth",
            [
                "You reach the API with a username and a password.", "Requests carry Authorization: Basic …",
                "The provider offers no keys or tokens.",
            ]
        ),
        (
            "oauth2-code", "OAuth 2.0 — authorization code",
            [
                "A person clicks Connect and approves access on the provider's site.",
                "The provider documents an authorization URL and a token URL.",
                "Tokens expire and are refreshed without anyone signing in again.",
            ]
        ),
        (
            "oauth2-client", "OAuth 2.0 — client credentials",
            [
                "You hold a client ID and secret, and no person needs to approve anything.",
                "The provider documents a token URL only.", "Patchbay trades the credentials for a token, and again when it expires.",
            ]
        ),
        ("none", "No Auth", ["The API is public.", "Or whatever it needs goes in fixed extra headers."]),
    ]

    static let paginationChoiceAids: [(value: String, label: String, reasons: [String])] = [
        ("none", "None", ["Lists come back whole in one response.", "Or the actions list only a few items."]),
        (
            "index", "Index",
            [
                "Requests take the position of the first item: offset=100, skip=100, start=100.",
                "You stop when a page comes back short.",
            ]
        ),
        ("page", "Page", ["Requests take a page number: page=2.", "Pages have a fixed size (per_page, limit, page_size)."]),
        (
            "link", "Link",
            [
                "The response gives the next page's URL.", "In a Link header with rel=\"next\" (as GitHub does), or in the body (links.next).",
            ]
        ),
        (
            "pointer", "Pointer",
            [
                "Responses carry a cursor or token for the next page (next_cursor, starting_after).",
                "The next request sends it back as a parameter.",
            ]
        ),
    ]

    private func builderBase(_ organizationId: String, _ integrationId: String) -> String {
        "/console/orgs/\(organizationId)/integrations/\(integrationId)"
    }

    func builderPage(
        _ request: Request, _ organizationId: String, _ id: String, step name: String, _ visit: ConsoleAccess.Visit, form: FormData?,
        error: PatchbayError?, trial: TrialOutcome? = nil
    ) async throws -> Response {
        let organization = try await services.access.organization(organizationId, for: visit.principal, scope: .integrationsWrite)
        let (integration, api) = try await services.integrations.settings(id, organizationId: organization.id, by: visit.principal)
        guard integration.endpoint == nil else {
            throw PatchbayError(.conflict, "“\(integration.name)” is an endpoint integration; the builder is for API integrations.")
        }
        var settings = api?.settings ?? APISettings(baseUrl: nil, auth: .init(type: .none), pagination: .init(type: .none))
        // A type chosen on the step before, not saved until its settings are (`?choice=`).
        let choice = form?["choice"] ?? request.uri.queryParameters["choice"].map(String.init)
        let pending = Self.applyPending(choice, step: name, to: &settings)
        let steps = BuilderForms.steps(for: settings)
        guard let step = BuilderForms.Step(rawValue: name), steps.contains(step) else { throw PatchbayError.notFound("Step \(name.prefix(40))") }
        let base = builderBase(organization.id, integration.id)
        let index = steps.firstIndex(of: step) ?? 0
        var model: [String: Any] = [
            "csrf": visit.session.csrf, "name": integration.name, "status": integration.status.rawValue,
            "statusLabel": integration.status.rawValue.capitalized, "stepTitle": step.title, "action": "\(base)/build/\(step.rawValue)",
            "integrationHref": base, "stepNumber": index + 1, "stepCount": steps.count, "hasBack": index > 0,
            "steps": steps.enumerated().map { offset, item -> [String: Any] in
                ["title": item.title, "href": "\(base)/build/\(item.rawValue)", "current": item == step, "number": offset + 1]
            },
            "is-\(step.rawValue)": true, "finalized": integration.status != .draft, "choice": pending ?? "",
        ]
        switch step {
        case .details:
            model["v"] = [
                "name": form?["name"] ?? integration.name, "description": form?["description"] ?? integration.description,
                "iconSvg": form?["iconSvg"] ?? integration.iconSvg ?? "",
            ]
            if integration.iconSvg != nil { model["iconHref"] = "\(base)/icon.svg?v=\(integration.updatedAt)" }
        case .host:
            model["v"] = ["baseUrl": form?["baseUrl"] ?? settings.baseUrl ?? ""]
        case .auth:
            let chosen = form?["auth"] ?? BuilderForms.authChoice(settings.auth)
            model["choices"] = Self.authChoiceAids.map { aid -> [String: Any] in
                ["value": aid.value, "label": aid.label, "reasons": aid.reasons, "checked": aid.value == chosen, "id": "auth-\(aid.value)"]
            }
        case .authSettings:
            model["v"] = form.map(BuilderForms.values(posted:)) ?? BuilderForms.values(of: settings.auth)
            model["authLabel"] = Self.authChoiceAids.first { $0.value == BuilderForms.authChoice(settings.auth) }?.label ?? ""
            switch settings.auth.type {
            case .apiKey: model["apiKey"] = true
            case .basic: model["basic"] = true
            case .oauth2:
                model["oauth2"] = true
                model["authorizationCode"] = settings.auth.grantType == .authorizationCode
                model["redirectURL"] = oauthRedirectURL(request)
            case .none: break
            }
        case .pagination:
            let chosen = form?["pagination"] ?? settings.pagination.type.rawValue
            model["choices"] = Self.paginationChoiceAids.map { aid -> [String: Any] in
                ["value": aid.value, "label": aid.label, "reasons": aid.reasons, "checked": aid.value == chosen, "id": "pagination-\(aid.value)"]
            }
        case .paginationSettings:
            model["v"] = form.map(BuilderForms.values(posted:)) ?? BuilderForms.values(of: settings.pagination)
            model["paginationLabel"] = Self.paginationChoiceAids.first { $0.value == settings.pagination.type.rawValue }?.label ?? ""
            model["pagination-\(settings.pagination.type.rawValue)"] = true
            model["maxPageSize"] = APISettings.Pagination.maximumPageSize
            model["maxPageLimit"] = APISettings.Pagination.maximumPageLimit
        case .actions:
            let page = try await services.actions.summaries(
                integrationId: integration.id, organizationId: organization.id, ListRequest(limit: 10), by: visit.principal)
            model["actions"] = page.items.map { ["name": $0.name, "method": $0.method, "path": $0.path] }
            model["moreActions"] = page.nextCursor != nil
            model["actionsHref"] = "\(base)/actions"
        case .finalize:
            model["draft"] = integration.status == .draft
            let chosen = form?["status"] ?? (integration.status == .hidden ? "hidden" : "published")
            model["publishedChecked"] = chosen != "hidden"
            model["hiddenChecked"] = chosen == "hidden"
        }
        if let error { model.merge(BuilderForms.messages(error, prefix: step.pointerPrefix)) { $1 } }
        if let kind = TrialKind.on(step, settings: settings) {
            model["trial"] = try await trialModel(
                kind, base: base, integration: integration, organization: organization, settings: settings,
                visit: visit, outcome: trial)
        }
        return html(
            layout(
                title: "\(step.title) · \(integration.name)", body: render("builder", model), visit: visit, organization: organization,
                section: .integrations,
                crumbs: [
                    (organization.name, "/console/orgs/\(organization.id)"), ("Integrations", "/console/orgs/\(organization.id)/integrations"),
                    (integration.name, base), (step.title, "\(base)/build/\(step.rawValue)"),
                ], flash: flash(request)),
            status: error == nil && trial?.problem == nil ? .ok : .unprocessableContent)
    }

    func saveBuilderStep(
        _ request: Request, _ organizationId: String, _ id: String, step name: String, _ visit: ConsoleAccess.Visit, _ form: FormData
    ) async throws -> Response {
        let (integration, api) = try await services.integrations.settings(id, organizationId: organizationId, by: visit.principal)
        let stored = api?.settings ?? APISettings(baseUrl: nil, auth: .init(type: .none), pagination: .init(type: .none))
        var settings = stored
        Self.applyPending(form["choice"], step: name, to: &settings)
        guard let step = BuilderForms.Step(rawValue: name), BuilderForms.steps(for: settings).contains(step) else {
            throw PatchbayError.notFound("Step \(name.prefix(40))")
        }
        let base = builderBase(organizationId, integration.id)
        var input = IntegrationService.UpdateInput()
        var problems: [FieldError] = []
        switch step {
        case .details:
            input.name = form["name"] ?? ""
            input.description = form["description"] ?? ""
            let svg = (form["iconSvg"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            input.iconSvg = svg.isEmpty ? .null : .value(svg)
        case .host:
            let url = (form["baseUrl"] ?? "").trimmingCharacters(in: .whitespaces)
            if url.isEmpty { problems.append(FieldError(pointer: "/api/baseUrl", "is required: the address every action's path is added to")) }
            settings.baseUrl = url.nilIfEmpty
        case .auth:
            guard let auth = BuilderForms.choosing(form["auth"] ?? "", from: settings.auth) else {
                throw PatchbayError.invalid("/api/auth", "choose one of the authentication methods")
            }
            if auth != settings.auth, auth.type != .none, form["nav"] != "back" {
                // Another type is saved with its settings, on the next step.
                return redirect("\(base)/build/auth-settings?choice=\(FormData.encode(form["auth"] ?? ""))")
            }
            settings.auth = auth
        case .authSettings:
            BuilderForms.apply(authForm: form, to: &settings.auth, problems: &problems)
        case .pagination:
            guard let pagination = BuilderForms.choosing(pagination: form["pagination"] ?? "", from: settings.pagination) else {
                throw PatchbayError.invalid("/api/pagination", "choose one of the pagination types")
            }
            if pagination != settings.pagination, pagination.type != .none, form["nav"] != "back" {
                return redirect("\(base)/build/pagination-settings?choice=\(FormData.encode(pagination.type.rawValue))")
            }
            settings.pagination = pagination
        case .paginationSettings:
            BuilderForms.apply(paginationForm: form, to: &settings.pagination, problems: &problems)
        case .actions:
            break
        case .finalize:
            return try await finalizeFromBuilder(integration, organizationId: organizationId, visit, form)
        }
        if step != .details && step != .actions {
            input.api = try BuilderForms.json(settings)
            // Building an API connection is declaring actions.
            if !integration.features.contains(.actions) { input.features = (integration.features + [.actions]).map(\.rawValue) }
        }
        do {
            if !problems.isEmpty {
                // Report the settings' other problems beside the unreadable fields, not one at a time.
                let pointers = Set(problems.compactMap(\.pointer))
                if step != .details { problems += APISettingsRules.problems(settings).filter { !pointers.contains($0.pointer ?? "") } }
                throw PatchbayError.validation(problems)
            }
            if step != .actions {
                _ = try await services.integrations.update(integration.id, input, organizationId: organizationId, by: visit.principal)
            }
        } catch let error as PatchbayError where error.kind == .validation {
            return try await builderPage(request, organizationId, integration.id, step: step.rawValue, visit, form: form, error: error)
        }
        // The steps that follow depend on what was just chosen (no settings step for "none").
        let steps = BuilderForms.steps(for: settings)
        let index = steps.firstIndex(of: step) ?? 0
        let target = form["nav"] == "back" ? steps[max(0, index - 1)] : steps[min(steps.count - 1, index + 1)]
        return redirect("\(base)/build/\(target.rawValue)")
    }

    private func finalizeFromBuilder(_ integration: Integration, organizationId: String, _ visit: ConsoleAccess.Visit, _ form: FormData)
        async throws -> Response
    {
        let base = builderBase(organizationId, integration.id)
        if form["nav"] == "back" {
            let (_, api) = try await services.integrations.settings(integration.id, organizationId: organizationId, by: visit.principal)
            let steps = BuilderForms.steps(for: api?.settings ?? APISettings(baseUrl: nil, auth: .init(type: .none), pagination: .init(type: .none)))
            return redirect("\(base)/build/\(steps[max(0, steps.count - 2)].rawValue)")
        }
        let status = form["status"] == "hidden" ? "hidden" : "published"
        if integration.status == .draft {
            // "Save" keeps the draft; "Finalize" asks first (the dialog, or this page without script).
            guard form["nav"] == "finalize" else { return redirect("\(base)?done=saved") }
            guard form["confirmed"] == "yes" else {
                return try await confirmPage(
                    visit, organizationId: organizationId, section: .integrations, title: "Finalize \(integration.name)?",
                    message: "A finalized integration never returns to draft, and its authentication method can no longer be changed.",
                    action: "\(base)/build/finalize", button: "Finalize", cancel: "\(base)/build/finalize",
                    extra: ["status": status, "nav": "finalize"])
            }
            _ = try await services.integrations.finalize(integration.id, status: status, organizationId: organizationId, by: visit.principal)
            return redirect("\(base)?done=finalized")
        }
        var input = IntegrationService.UpdateInput()
        input.status = status
        _ = try await services.integrations.update(integration.id, input, organizationId: organizationId, by: visit.principal)
        return redirect("\(base)?done=saved")
    }

    /// Applies a type chosen on the step before a settings step; returns the choice when it applied.
    @discardableResult
    static func applyPending(_ choice: String?, step: String, to settings: inout APISettings) -> String? {
        guard let choice else { return nil }
        switch step {
        case BuilderForms.Step.authSettings.rawValue:
            guard let auth = BuilderForms.choosing(choice, from: settings.auth), auth.type != .none else { return nil }
            settings.auth = auth
        case BuilderForms.Step.paginationSettings.rawValue:
            guard let pagination = BuilderForms.choosing(pagination: choice, from: settings.pagination), pagination.type != .none else {
                return nil
            }
            settings.pagination = pagination
        default: return nil
        }
        return choice
    }

    /// Where the provider returns after an authorization: the configured public URL, else this request's host.
    func oauthRedirectURL(_ request: Request) -> String {
        if let base = settings.publicURL { return (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/oauth/callback" }
        return "\(request.head.scheme ?? "http")://\(request.head.authority ?? "localhost")/oauth/callback"
    }

    /// The icon as an image of its own: an SVG shown through `<img>` runs no script, and its own policy forbids
    /// fetching anything, so a preview cannot reach outside even if the validator missed something.
    func integrationIcon(_ organizationId: String, _ id: String, _ visit: ConsoleAccess.Visit) async throws -> Response {
        let (integration, _) = try await services.integrations.settings(id, organizationId: organizationId, by: visit.principal)
        guard let svg = integration.iconSvg else { throw PatchbayError.notFound("Icon") }
        var fields = HTTPFields()
        fields[.contentType] = "image/svg+xml"
        fields[SecurityHeaders.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
        fields[.cacheControl] = "private, max-age=300"
        fields[SecurityHeaders.contentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: svg)))
    }
}

/// The builder's live checks: "Test connection" (one request with credentials typed for the occasion) and the
/// pagination preview (pages 1–2 of a list action, with the items found and the next page worked out).
enum TrialKind: Sendable {
    case connection, pages

    /// The step a check sits on: the connection beside the auth defaults (or the choice, for No Auth), the pages
    /// beside the pagination details.
    static func on(_ step: BuilderForms.Step, settings: APISettings) -> TrialKind? {
        switch step {
        case .authSettings: .connection
        case .auth where settings.auth.type == .none && settings.baseUrl != nil: .connection
        case .paginationSettings: .pages
        default: nil
        }
    }

    var path: String { self == .connection ? "test-connection" : "preview-pages" }
    var step: BuilderForms.Step { self == .connection ? .authSettings : .paginationSettings }
}

struct TrialOutcome {
    var form: FormData
    var result: ActionRunResult?
    var problem: PatchbayError?
}

extension Console {
    func trialModel(
        _ kind: TrialKind, base: String, integration: Integration, organization: Organization, settings: APISettings,
        visit: ConsoleAccess.Visit, outcome: TrialOutcome?
    ) async throws -> [String: Any] {
        let listRequest = ListRequest(limit: 100, sort: SortOrder(field: "name", descending: false))
        let actions = try await services.actions.list(
            integrationId: integration.id, organizationId: organization.id, listRequest, by: visit.principal
        ).items.filter { kind == .connection ? $0.definition.method == "GET" : $0.definition.paginated }
        let chosen = outcome?.form["actionId"]
        var model: [String: Any] = [
            "action": "\(base)/build/\(kind.path)", "connection": kind == .connection, "pages": kind == .pages,
            "oauth": settings.auth.type == .oauth2, "apiKey": settings.auth.type == .apiKey, "basic": settings.auth.type == .basic,
            "choices": actions.map {
                ["id": $0.id, "label": "\($0.definition.name) — \($0.definition.method) \($0.definition.path)", "selected": $0.id == chosen]
            },
            "username": outcome?.form["username"] ?? "", "parameters": outcome?.form["parameters"] ?? "",
        ]
        if let result = outcome?.result { model["result"] = RunResults.model(result) }
        if let problem = outcome?.problem {
            model["trialProblem"] = FieldMessages.summary(problem)
        }
        return model
    }

    func runTrial(
        _ kind: TrialKind, _ request: Request, _ organizationId: String, _ id: String, _ visit: ConsoleAccess.Visit, _ form: FormData
    ) async throws -> Response {
        var outcome = TrialOutcome(form: form)
        do {
            var parameters: [String: JSONValue] = [:]
            if let text = form["parameters"], !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                guard case .object(let object)? = JSONText.decode(Array(text.utf8)) else {
                    throw PatchbayError.invalid("/parameters", "must be a JSON object such as {\"per_page\": 5}")
                }
                parameters = object
            }
            outcome.result = try await services.installations.trial(
                form["actionId"] ?? "", integrationId: id, organizationId: organizationId, credentials: RunResults.credentials(form),
                input: ActionInput(parameters: parameters), paginate: kind == .pages, by: visit.principal)
        } catch let error as PatchbayError where RunResults.isShownBesideTheForm(error) {
            outcome.problem = error
        }
        let (_, api) = try await services.integrations.settings(id, organizationId: organizationId, by: visit.principal)
        let settings = api?.settings ?? APISettings(baseUrl: nil, auth: .init(type: .none), pagination: .init(type: .none))
        let step = kind == .connection && settings.auth.type == .none ? BuilderForms.Step.auth : kind.step
        return try await builderPage(request, organizationId, id, step: step.rawValue, visit, form: nil, error: nil, trial: outcome)
    }
}

extension BuilderForms.Step {
    /// Where this step's fields sit in the update's problems.
    var pointerPrefix: String {
        switch self {
        case .details, .actions, .finalize: "/"
        case .host: "/api/"
        case .auth, .authSettings: "/api/auth/"
        case .pagination, .paginationSettings: "/api/pagination/"
        }
    }
}
