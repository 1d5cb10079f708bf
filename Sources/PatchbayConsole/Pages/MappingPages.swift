import Hummingbird
import PatchbayCore
import PatchbayServices

/// An installation's organization mapping, on its page when the integration has a paginated action: which action
/// lists the provider's companies and which keys hold their id and name, "Suggest" (the provider's companies
/// matched to the child organizations by name, nothing stored), and "Save mapping" with the accepted rows.
extension Console {
    func registerMappingPages<Context: RequestContext>(on router: Router<Context>) {
        router.post("/console/orgs/{org}/installations/{ins}/mapping/{verb}") { request, context in
            try await action(request, context) { visit, form in
                try await mappingAction(
                    request, context.parameters.get("verb") ?? "", context.parameters.get("org") ?? "", context.parameters.get("ins") ?? "", visit,
                    form)
            }
        }
    }

    /// The mapping panel's model, or nil when the integration has no paginated action to list companies with.
    func mappingModel(
        _ installation: Installation, organization: Organization, base: String, visit: ConsoleAccess.Visit,
        suggestions: OrganizationMappingService.Suggestions? = nil, form: FormData? = nil
    ) async throws -> [String: Any]? {
        var request = ListRequest(limit: 200, sort: SortOrder(field: "name", descending: false))
        request.search = nil
        let paginated = try await services.installations.actions(of: installation, request).items.filter(\.definition.paginated)
        guard !paginated.isEmpty else { return nil }
        let mapping = try await services.mappings.get(installation: installation.id, organizationId: organization.id, by: visit.principal)
        let settings = mapping.settings
        let chosen = form?["actionId"] ?? settings?.actionId
        let children = Dictionary(
            ((try? await services.organizations.subtree(of: organization.id, by: visit.principal)) ?? []).map { ($0.id, $0.name) },
            uniquingKeysWith: { first, _ in first })
        var model: [String: Any] = [
            "action": "\(base)/mapping/settings", "suggestAction": "\(base)/mapping/suggest", "saveAction": "\(base)/mapping/entries",
            "choices": paginated.map { ["id": $0.id, "label": "\($0.definition.name) — \($0.definition.path)", "selected": $0.id == chosen] },
            "idKey": form?["idKey"] ?? settings?.idKey ?? "id", "nameKey": form?["nameKey"] ?? settings?.nameKey ?? "name",
            "parameter": form?["parameter"] ?? settings?.parameter ?? "", "configured": settings != nil,
            "entries": mapping.entries.map { entry -> [String: Any] in
                [
                    "organization": children[entry.organizationId] ?? entry.organizationId, "externalId": entry.externalId,
                    "externalName": entry.externalName ?? "",
                ]
            },
        ]
        if let suggestions {
            model["suggested"] = true
            model["candidates"] = suggestions.candidates
            model["pages"] = suggestions.pages
            model["suggestions"] = suggestions.suggestions.enumerated().map { index, suggestion -> [String: Any] in
                [
                    "index": index, "organizationId": suggestion.organizationId, "organization": suggestion.organizationName,
                    "externalId": suggestion.externalId ?? "", "externalName": suggestion.externalName ?? "",
                    "matched": suggestion.externalId != nil, "exact": (suggestion.score ?? 0) >= 1,
                    "score": suggestion.score.map { String(format: "%.0f%%", $0 * 100) } ?? "",
                ]
            }
        }
        return model
    }

    func mappingAction(
        _ request: Request, _ verb: String, _ organizationId: String, _ id: String, _ visit: ConsoleAccess.Visit, _ form: FormData
    ) async throws -> Response {
        let (organization, installation) = try await services.installations.get(
            id, organizationId: organizationId, by: visit.principal, scope: .integrationsWrite)
        let base = "/console/orgs/\(organization.id)/installations/\(installation.id)"
        do {
            switch verb {
            case "settings":
                let input = OrganizationMappingService.Input(
                    actionId: form["actionId"] ?? "", idKey: form["idKey"] ?? "", nameKey: form["nameKey"] ?? "", parameter: form["parameter"] ?? "",
                    entries: nil)
                _ = try await services.mappings.put(input, installation: installation.id, organizationId: organization.id, by: visit.principal)
                return redirect("\(base)?done=saved")
            case "suggest":
                let suggestions = try await services.mappings.suggest(
                    installation: installation.id, organizationId: organization.id, parameters: [:], pageLimit: nil, by: visit.principal)
                return try await installationPage(request, organizationId, id, visit, suggestions: suggestions)
            case "entries":
                guard let settings = installation.mapping else {
                    throw PatchbayError(.conflict, "Set the mapping's action and keys first.")
                }
                // Each accepted row: organization, external id and name, by the row's index.
                var entries: [OrganizationMapping.Entry] = []
                for index in form.all("accept").compactMap(Int.init).prefix(OrganizationMappingService.maxEntries) {
                    guard let organizationId = form["org.\(index)"], let externalId = form["id.\(index)"], !externalId.isEmpty else { continue }
                    entries.append(.init(organizationId: organizationId, externalId: externalId, externalName: form["name.\(index)"]))
                }
                let input = OrganizationMappingService.Input(
                    actionId: settings.actionId, idKey: settings.idKey, nameKey: settings.nameKey, parameter: settings.parameter, entries: entries)
                _ = try await services.mappings.put(input, installation: installation.id, organizationId: organization.id, by: visit.principal)
                return redirect("\(base)?done=saved")
            default:
                throw PatchbayError.notFound("Action \(verb.prefix(40))")
            }
        } catch let error as PatchbayError where RunResults.isShownBesideTheForm(error) {
            return try await installationPage(request, organizationId, id, visit, mappingForm: form, mappingError: error)
        }
    }
}
