import Hummingbird
import PatchbayCore
import PatchbayServices

/// An installation's page: which integration, where, its state (authorization, token expiry, mapping), and
/// Uninstall. Installing, credentials and Connect are the integration builder's (issue 18).
extension Console {
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
    }

    func installationPage(_ request: Request, _ organizationId: String, _ id: String, _ visit: ConsoleAccess.Visit) async throws -> Response {
        let (organization, installation) = try await services.installations.get(id, organizationId: organizationId, by: visit.principal)
        let name = try await services.installations.integrationName(of: installation) ?? installation.integrationId
        let base = "/console/orgs/\(organization.id)/installations/\(installation.id)"
        let model: [String: Any] = [
            "csrf": visit.session.csrf, "base": base, "name": name, "id": installation.id, "integrationId": installation.integrationId,
            "state": installation.state.rawValue, "stateClass": installation.state == .ready ? "active" : "paused",
            "reason": installation.stateReason ?? "", "tokenExpires": installation.tokenExpiresAt.map(Formatting.time) ?? "",
            "mapped": installation.mapping.map { "companies listed by action \($0.actionId), passed to runs as \($0.parameter)" } ?? "",
            "created": Formatting.time(installation.createdAt), "updated": Formatting.time(installation.updatedAt),
            "canWrite": visit.principal.allows(.integrationsWrite),
        ]
        return html(
            layout(
                title: "\(name) · Installation", body: render("installation", model), visit: visit, organization: organization,
                section: .integrations,
                crumbs: [
                    (organization.name, "/console/orgs/\(organization.id)"), ("Integrations", "/console/orgs/\(organization.id)/integrations"),
                    (name, base),
                ], flash: flash(request)))
    }
}
