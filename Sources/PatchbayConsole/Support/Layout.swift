import Hummingbird
import PatchbayCore
import PatchbayServices

/// The sections of an organization's console, in the order of the top navigation.
enum Section: String, CaseIterable {
    case overview, tokens, webhooks, inbound, integrations, commands, eventTypes

    var label: String {
        switch self {
        case .overview: "Overview"
        case .tokens: "Access Tokens"
        case .webhooks: "Web Hooks"
        case .inbound: "Inbound"
        case .integrations: "Integrations"
        case .commands: "Commands"
        case .eventTypes: "Event Types"
        }
    }

    func path(_ organizationId: String) -> String {
        switch self {
        case .overview: "/console/orgs/\(organizationId)"
        case .eventTypes: "/console/event-types?org=\(organizationId)"
        default: "/console/orgs/\(organizationId)/\(rawValue)"
        }
    }
}

/// Messages shown after a redirect, chosen by a code in the query string (never text from the URL itself).
enum Flash: String {
    case signedIn = "signed-in", renamed, revoked, saved, deleted, resent, recovered, paused, resumed, rotated, tested, imported
    case actionsRenamed = "actions-renamed", installed, connected, finalized

    var message: String {
        switch self {
        case .signedIn: "Signed in."
        case .renamed: "Renamed."
        case .revoked: "Revoked. The token no longer works."
        case .saved: "Saved."
        case .deleted: "Deleted."
        case .resent: "Queued to be sent again."
        case .recovered: "Recovery queued the failed deliveries again."
        case .paused: "Paused. New events are held until you resume."
        case .resumed: "Resumed. Held events are being sent, oldest first."
        case .rotated: "A new signing secret is in force; the previous one keeps signing for 24 hours."
        case .tested: "Test sent."
        case .imported: "Imported. Check each step, then finalize."
        case .actionsRenamed: "Actions renamed."
        case .installed: "Installed."
        case .connected: "Connected: the provider granted access."
        case .finalized: "Finalized. The integration can no longer return to draft."
        }
    }
}

extension Console {
    func render(_ template: String, _ model: Any) -> String { renderer?.render(template, Self.pruned(model)) ?? "" }

    /// The model without empty strings: Mustache treats "" as true in a section, and `{{#next}}` must mean "there is
    /// a next page".
    static func pruned(_ value: Any) -> Any {
        switch value {
        case let dictionary as [String: Any]:
            var out: [String: Any] = [:]
            for (key, item) in dictionary {
                if let text = item as? String, text.isEmpty { continue }
                out[key] = pruned(item)
            }
            return out
        case let array as [[String: Any]]:
            return array.map { pruned($0) }
        default:
            return value
        }
    }

    /// A whole page: the layout around `body`.
    func layout(
        title: String, body: String, visit: ConsoleAccess.Visit?, organization: Organization?, section: Section?,
        crumbs: [(String, String)] = [], flash: String? = nil, flashIsError: Bool = false, refresh: String? = nil
    ) -> String {
        var model: [String: Any] = [
            "title": title, "body": body,
            "css": renderer?.assetPath("console.css") ?? "", "js": renderer?.assetPath("console.js") ?? "",
        ]
        if let visit {
            model["signedIn"] = true
            model["csrf"] = visit.session.csrf
            if visit.portalOrganizationId != nil { model["portal"] = true }
        }
        if let organization {
            model["organizationName"] = organization.name
            model["home"] = "/console/orgs/\(organization.id)"
            model["nav"] = Section.allCases.map { item -> [String: Any] in
                ["label": item.label, "href": item.path(organization.id), "current": item == section]
            }
        } else {
            model["home"] = "/console"
        }
        if !crumbs.isEmpty {
            model["crumbs"] = crumbs.enumerated().map { index, crumb -> [String: Any] in
                ["label": crumb.0, "href": crumb.1, "current": index == crumbs.count - 1]
            }
        }
        if let flash { model[flashIsError ? "flashError" : "flash"] = flash }
        if let refresh { model["refresh"] = refresh }
        return render("layout", model)
    }

    /// The flash message named by the `done` query parameter, if any.
    func flash(_ request: Request) -> String? {
        request.uri.queryParameters["done"].flatMap { Flash(rawValue: String($0))?.message }
    }
}
