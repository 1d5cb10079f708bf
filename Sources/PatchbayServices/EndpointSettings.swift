import PatchbayCore

/// Endpoint integrations (Turn-style): an integration that is a single URL. Its events go to that URL through a
/// webhook owned by the integration, so retries, history and secret rotation are the webhooks'.
public enum EndpointSettings {
    /// The `endpoint` object of a create or update, checked field by field.
    public struct Settings: Sendable {
        public enum Change: Sendable {
            case keep
            case remove
            case set(Webhook.Authorization)

            public func applied(to current: Webhook.Authorization?) -> Webhook.Authorization? {
                switch self {
                case .keep: current
                case .remove: nil
                case .set(let authorization): authorization
                }
            }
        }

        public var url: String?
        public var authorization: Change
        public var verifyTls: Bool?
    }

    static let fields: Set<String> = ["url", "authorization", "verifyTls"]

    /// Reads `endpoint`; `requireURL` on create. Every problem is reported below `/endpoint`.
    public static func settings(_ value: JSONValue, requireURL: Bool, policy: AddressPolicy, problems: inout FieldProblems) -> Settings? {
        guard case .object(let members) = value else {
            problems.add("/endpoint", "must be an object {url, authorization: {scheme, token}}")
            return nil
        }
        var settings = Settings(url: nil, authorization: .keep, verifyTls: nil)
        for key in members.keys.sorted() where !fields.contains(key) {
            problems.add("/endpoint/" + JSONPointer.escape(key), "is not a known field (url, authorization, verifyTls)")
        }
        switch members["url"] {
        case .string(let url)?:
            if let problem = policy.urlProblem(url) { problems.add("/endpoint/url", problem) } else { settings.url = url }
        case nil where !requireURL: break
        case nil: problems.add("/endpoint/url", "is required")
        default: problems.add("/endpoint/url", "must be a string")
        }
        switch members["authorization"] {
        case nil: break
        case .null?: settings.authorization = .remove
        case .object(let authorization)?:
            // Turn writes the schemes in capitals (BEARER, TOKEN); both spellings are accepted.
            let scheme = authorization["scheme"]?.stringValue.flatMap { text in
                Webhook.Authorization.Scheme.allCases.first { $0.rawValue.lowercased() == text.lowercased() }
            }
            if scheme == nil { problems.add("/endpoint/authorization/scheme", "must be Bearer or Token") }
            let token = authorization["token"]?.stringValue
            if let token {
                problems.check(WebhookRules.authorizationTokenProblem(token, at: "/endpoint/authorization/token"))
            } else {
                problems.add("/endpoint/authorization/token", "is required (a string)")
            }
            for key in authorization.keys.sorted() where key != "scheme" && key != "token" {
                problems.add("/endpoint/authorization/" + JSONPointer.escape(key), "is not a known field (scheme, token)")
            }
            if let scheme, let token, WebhookRules.authorizationTokenProblem(token) == nil {
                settings.authorization = .set(Webhook.Authorization(scheme: scheme, token: token))
            }
        default: problems.add("/endpoint/authorization", "must be an object {scheme, token} or null")
        }
        switch members["verifyTls"] {
        case nil: break
        case .bool(let verify)?: settings.verifyTls = verify
        default: problems.add("/endpoint/verifyTls", "must be a boolean")
        }
        return settings
    }

    /// The webhook that carries a new endpoint integration's events: every event type, with a generated secret.
    public static func webhook(for integration: Integration, settings: Settings, at now: Int64) -> Webhook {
        Webhook(
            id: Identifier.make(.webhook, nowMillis: now), organizationId: integration.organizationId, integrationId: integration.id,
            name: "\(integration.name.prefix(180)) endpoint", url: settings.url ?? "", eventTypes: [], state: .active,
            verifyTls: settings.verifyTls ?? true, format: .json, maxEventsPerRequest: 1, authorization: settings.authorization.applied(to: nil),
            headers: [:], secret: WebhookSecret.generate(), previousSecret: nil, previousSecretExpiresAt: nil, lastTriggeredAt: nil,
            lastStatus: nil, createdAt: now, updatedAt: now
        )
    }
}
