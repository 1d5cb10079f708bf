import Foundation
import Hummingbird
import PatchbayCore
import PatchbayServices

/// The actions editor: a searchable, paged list on the left (the server searches and pages, so a thousand actions
/// cost one page), the chosen action's form on the right, "Add action", "Delete", and Regex Replace with a preview
/// of every old → new name before anything changes.
extension Console {
    static let actionPageSize = 50
    static let actionMethods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    func registerActionPages<Context: RequestContext>(on router: Router<Context>) {
        router.get("/console/orgs/{org}/integrations/{int}/actions") { request, context in
            try await page(request, context) { visit in
                try await actionsPage(request, context.parameters.get("org") ?? "", context.parameters.get("int") ?? "", visit)
            }
        }
        router.post("/console/orgs/{org}/integrations/{int}/actions/add") { request, context in
            try await action(request, context) { visit, _ in
                try await addAction(context.parameters.get("org") ?? "", context.parameters.get("int") ?? "", visit)
            }
        }
        router.post("/console/orgs/{org}/integrations/{int}/actions/rename") { request, context in
            try await action(request, context) { visit, form in
                try await renameActions(request, context.parameters.get("org") ?? "", context.parameters.get("int") ?? "", visit, form)
            }
        }
        router.post("/console/orgs/{org}/integrations/{int}/actions/{act}/{verb}") { request, context in
            try await action(request, context) { visit, form in
                try await actionVerb(
                    request, context.parameters.get("verb") ?? "", context.parameters.get("org") ?? "", context.parameters.get("int") ?? "",
                    context.parameters.get("act") ?? "", visit, form)
            }
        }
    }

    private func actionsBase(_ organizationId: String, _ integrationId: String) -> String {
        "/console/orgs/\(organizationId)/integrations/\(integrationId)/actions"
    }

    /// The editor. `form`/`error` re-show a refused edit; `preview` is a Regex Replace plan waiting for Apply.
    func actionsPage(
        _ request: Request, _ organizationId: String, _ integrationId: String, _ visit: ConsoleAccess.Visit, form: FormData? = nil,
        error: PatchbayError? = nil, rename: (pattern: String, replacement: String, changes: [ActionRename.Change])? = nil,
        renameError: String? = nil, tried: TrialOutcome? = nil
    ) async throws -> Response {
        let organization = try await services.access.organization(organizationId, for: visit.principal, scope: .integrationsRead)
        let (integration, api) = try await services.integrations.settings(integrationId, organizationId: organization.id, by: visit.principal)
        let base = actionsBase(organization.id, integration.id)
        let query = request.uri.queryParameters
        let search = FormData.search(in: request.uri.query).map { String($0.prefix(200)) }.flatMap { $0.isEmpty ? nil : $0 }
        var listRequest = ListRequest(limit: Self.actionPageSize, sort: SortOrder(field: "name", descending: false))
        listRequest.search = search?.lowercased()
        if let cursor = query["cursor"] { listRequest.cursor = try? Cursor.decode(String(cursor), for: listRequest.sort) }
        // The method filter takes only the methods listed (anything else is no filter).
        let method = query["method"].map { String($0).uppercased() }.flatMap { Self.actionMethods.contains($0) ? $0 : nil }
        let page = try await services.actions.summaries(
            integrationId: integration.id, organizationId: organization.id, method: method, listRequest, by: visit.principal)
        let selectedId = form?["id"] ?? tried?.form["action"] ?? query["selected"].map(String.init) ?? page.items.first?.id
        func href(_ parameters: [String: String]) -> String { base + TableSort.query(parameters.filter { !$0.value.isEmpty }) }
        var keep: [String: String] = [:]
        if let search { keep["q"] = search }
        if let method { keep["method"] = method }
        var model: [String: Any] = [
            "csrf": visit.session.csrf, "base": base, "q": search ?? "", "name": integration.name,
            "integrationHref": "/console/orgs/\(organization.id)/integrations/\(integration.id)",
            "canWrite": visit.principal.allows(.integrationsWrite),
            "rows": page.items.map { action -> [String: Any] in
                [
                    "name": action.name, "method": action.method, "path": action.path,
                    "href": href(keep.merging(["selected": action.id]) { $1 }), "current": action.id == selectedId,
                ]
            },
            "next": page.nextCursor.map { href(keep.merging(["cursor": $0]) { $1 }) } ?? "",
            "pattern": rename?.pattern ?? form?["pattern"] ?? "", "replacement": rename?.replacement ?? form?["replacement"] ?? "",
            "methodChoices": Self.actionMethods.map { ["value": $0, "selected": $0 == method] }, "filtered": method != nil,
        ]
        if let rename {
            model["previewed"] = true
            model["changes"] = rename.changes.map { ["from": $0.from, "to": $0.to] }
            model["changeCount"] = rename.changes.count
        }
        if let renameError { model["renameError"] = renameError }
        if let selectedId, Identifier.isWellFormed(selectedId, .action),
            let action = try? await services.actions.get(
                selectedId, integrationId: integration.id, organizationId: organization.id, by: visit.principal)
        {
            let definition = action.definition
            let method = form?["method"] ?? definition.method
            model["selected"] =
                [
                    "id": action.id, "action": "\(base)/\(action.id)/save", "deleteAction": "\(base)/\(action.id)/delete",
                    "name": form?["name"] ?? definition.name, "description": form?["description"] ?? definition.description,
                    "path": form?["path"] ?? definition.path, "operationId": definition.operationId ?? "",
                    "paginated": form.map { $0["paginated"] == "yes" } ?? definition.paginated,
                    "parameters": form?["parameters"] ?? Self.parametersText(definition.parameters),
                    "methods": Self.actionMethods.map { ["value": $0, "selected": $0 == method] },
                    "returnQuery": keep.merging(["selected": action.id]) { $1 }.map { "\($0.key)=\(FormData.encode($0.value))" }.sorted()
                        .joined(separator: "&"),
                    "try": Self.tryModel(action, base: base, auth: api?.settings.auth, outcome: tried?.form["action"] == action.id ? tried : nil),
                ] as [String: Any]
        }
        if let error { model.merge(FieldMessages(error).model) { $1 } }
        return html(
            layout(
                title: "Actions · \(integration.name)", body: render("actions", model), visit: visit, organization: organization,
                section: .integrations,
                crumbs: [
                    (organization.name, "/console/orgs/\(organization.id)"), ("Integrations", "/console/orgs/\(organization.id)/integrations"),
                    (integration.name, "/console/orgs/\(organization.id)/integrations/\(integration.id)"), ("Actions", base),
                ], flash: flash(request)),
            status: error == nil && renameError == nil ? .ok : .unprocessableContent)
    }

    /// "Try it" beside an action: its parameters as fields and credentials typed for the occasion (stored nowhere);
    /// the result shows the request as built (without the credentials) and the response.
    static func tryModel(_ action: Action, base: String, auth: APISettings.Auth?, outcome: TrialOutcome?) -> [String: Any] {
        var model: [String: Any] = [
            "tryAction": "\(base)/\(action.id)/try", "oauth": auth?.type == .oauth2, "apiKey": auth?.type == .apiKey,
            "basic": auth?.type == .basic, "noApi": auth == nil,
            "tryParameters": RunResults.parameterFields(action.definition, form: outcome?.form),
            "tryBody": action.definition.requestBody != nil, "tryBodyValue": outcome?.form["body"] ?? "",
            "tryUsername": outcome?.form["username"] ?? "",
        ]
        if let result = outcome?.result {
            var shown = RunResults.model(result)
            if let first = result.trace?.first { shown["request"] = "\(first.method) \(first.url)" }
            model["tryResult"] = shown
        }
        if let problem = outcome?.problem {
            model["tryProblem"] = FieldMessages.summary(problem)
        }
        return model
    }

    static func parametersText(_ parameters: [ActionDefinition.Parameter]) -> String {
        guard !parameters.isEmpty else { return "" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(parameters)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    func addAction(_ organizationId: String, _ integrationId: String, _ visit: ConsoleAccess.Visit) async throws -> Response {
        // "New Action", then "New Action 2", … : the first name no action has yet.
        var listRequest = ListRequest(limit: 1000, sort: SortOrder(field: "name", descending: false))
        listRequest.search = "new action"
        let taken = Set(
            try await services.actions.list(integrationId: integrationId, organizationId: organizationId, listRequest, by: visit.principal)
                .items.map { $0.definition.name.lowercased() })
        let name = (1...1001).lazy.map { $0 == 1 ? "New Action" : "New Action \($0)" }.first { !taken.contains($0.lowercased()) } ?? "New Action"
        let input = ActionService.CreateInput(name: name, method: "GET", path: "/", description: "")
        let created = try await services.actions.create(input, integrationId: integrationId, organizationId: organizationId, by: visit.principal)
        return redirect("\(actionsBase(organizationId, integrationId))?selected=\(created.id)&done=saved")
    }

    func renameActions(_ request: Request, _ organizationId: String, _ integrationId: String, _ visit: ConsoleAccess.Visit, _ form: FormData)
        async throws -> Response
    {
        let pattern = form["pattern"] ?? ""
        let replacement = form["replacement"] ?? ""
        let apply = form["nav"] == "apply"
        let changes: [ActionRename.Change]
        do {
            changes = try await services.actions.rename(
                pattern: pattern, replacement: replacement, dryRun: !apply, integrationId: integrationId, organizationId: organizationId,
                by: visit.principal)
        } catch let error as PatchbayError where error.kind == .validation || error.kind == .malformed {
            let message = error.errors.first?.message ?? error.detail
            return try await actionsPage(request, organizationId, integrationId, visit, form: form, renameError: message)
        }
        if apply { return redirect("\(actionsBase(organizationId, integrationId))?done=actions-renamed") }
        return try await actionsPage(
            request, organizationId, integrationId, visit, rename: (pattern, replacement, changes))
    }

    func actionVerb(
        _ request: Request, _ verb: String, _ organizationId: String, _ integrationId: String, _ id: String, _ visit: ConsoleAccess.Visit,
        _ form: FormData
    ) async throws -> Response {
        let base = actionsBase(organizationId, integrationId)
        let action = try await services.actions.get(id, integrationId: integrationId, organizationId: organizationId, by: visit.principal)
        switch verb {
        case "save":
            var input = ActionService.UpdateInput()
            input.name = form["name"] ?? ""
            input.description = form["description"] ?? ""
            input.method = form["method"] ?? action.definition.method
            input.path = form["path"] ?? ""
            input.paginated = form["paginated"] == "yes"
            let text = (form["parameters"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            var formWithId = form
            formWithId.set("id", action.id)
            do {
                if text.isEmpty {
                    input.parameters = []
                } else {
                    do {
                        input.parameters = try JSONDecoder().decode([ActionDefinition.Parameter].self, from: Data(text.utf8))
                    } catch {
                        throw PatchbayError.invalid(
                            "/parameters", "must be a JSON array of {name, in, required, schema?} objects (\(Self.reason(error)))")
                    }
                }
                _ = try await services.actions.update(
                    action.id, input, integrationId: integrationId, organizationId: organizationId, by: visit.principal)
            } catch let error as PatchbayError where error.kind == .validation {
                return try await actionsPage(request, organizationId, integrationId, visit, form: formWithId, error: error)
            }
            // The list's place (search, filter, selection) as the page wrote it; anything else falls back to the action.
            let back = form["return"].flatMap { text in
                text.count <= 600 && text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.~%+=&-".contains($0)) }) ? text : nil
            }
            return redirect("\(base)?\(back ?? "selected=\(action.id)")&done=saved")
        case "try":
            var formWithId = form
            formWithId.set("action", action.id)
            var outcome = TrialOutcome(form: formWithId)
            do {
                let input = try RunResults.input(form, for: action.definition)
                outcome.result = try await services.installations.trial(
                    action.id, integrationId: integrationId, organizationId: organizationId, credentials: RunResults.credentials(form), input: input,
                    paginate: false, by: visit.principal)
            } catch let error as PatchbayError where RunResults.isShownBesideTheForm(error) {
                outcome.problem = error
            }
            return try await actionsPage(request, organizationId, integrationId, visit, tried: outcome)
        case "delete":
            guard form["confirmed"] == "yes" else {
                return try await confirmPage(
                    visit, organizationId: organizationId, section: .integrations, title: "Delete the action “\(action.definition.name)”?",
                    message: "Installations can no longer run it.", action: "\(base)/\(action.id)/delete", button: "Delete",
                    cancel: "\(base)?selected=\(action.id)")
            }
            try await services.actions.delete(action.id, integrationId: integrationId, organizationId: organizationId, by: visit.principal)
            return redirect("\(base)?done=deleted")
        default:
            throw PatchbayError.notFound("Action \(verb.prefix(40))")
        }
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? DecodingError, let problem = DecodingProblems.problem(for: error).errors.first {
            return "\(problem.pointer ?? ""): \(problem.message)"
        }
        return "not valid JSON"
    }
}
