import Foundation
import PatchbayCore
import PatchbayDelivery
import PatchbayStorage

/// Custom integrations and their integration users: created (an app or bot user, features, optionally a single
/// endpoint), listed, updated (in one transaction with the endpoint's webhook and the event), finalized, deleted.
public struct IntegrationService: Sendable {
    let services: Services
    public static let sortable = ["name", "status", "createdAt", "updatedAt"]

    public struct CreateInput: Decodable, Sendable {
        public var name: String
        public var description: String?
        public var iconSvg: String?
        public var bot: Bool?
        public var features: [String]?
        /// Makes an endpoint integration: `{url, authorization: {scheme, token}, verifyTls?}`.
        public var endpoint: JSONValue?

        public init(name: String, description: String? = nil, bot: Bool? = nil, features: [String]? = nil, endpoint: JSONValue? = nil) {
            self.name = name
            self.description = description
            self.bot = bot
            self.features = features
            self.endpoint = endpoint
        }
    }

    public struct UpdateInput: Decodable, Sendable {
        public var name: String?
        public var features: [String]?
        public var description: String?
        public var iconSvg: PatchValue<String> = .absent
        public var status: String?
        /// The whole `api` object (base URL, auth, pagination); replaces the stored one.
        public var api: JSONValue?
        /// An endpoint integration's `url`, `authorization` (null removes it) or `verifyTls`.
        public var endpoint: JSONValue?

        public init() {}

        enum CodingKeys: String, CodingKey { case name, description, iconSvg, status, api, endpoint, features }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decodeIfPresent(String.self, forKey: .name)
            description = try container.decodeIfPresent(String.self, forKey: .description)
            iconSvg = try PatchValue(container, .iconSvg)
            status = try container.decodeIfPresent(String.self, forKey: .status)
            api = try container.decodeIfPresent(JSONValue.self, forKey: .api)
            endpoint = try container.decodeIfPresent(JSONValue.self, forKey: .endpoint)
            features = try container.decodeIfPresent([String].self, forKey: .features)
        }
    }

    /// A created integration; for an endpoint integration also its signing secret (shown once) and the handshake.
    public struct Created: Sendable {
        public var integration: Integration
        public var secret: String?
        public var handshake: HandshakeResult?
    }

    private var store: Store { services.store }

    private static func checkIcon(_ svg: String, problems: inout FieldProblems) {
        if let reason = SVGIconValidator.problem(in: svg) { problems.add("/iconSvg", reason) }
    }

    public func create(_ input: CreateInput, organizationId: String, by principal: Principal) async throws -> Created {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .integrationsWrite)
        try principal.requireNotIntegration("create integrations")
        var problems = FieldProblems()
        problems.check(FieldRules.name(input.name, at: "/name"))
        problems.check(FieldRules.text(input.description ?? "", at: "/description"))
        if let svg = input.iconSvg { Self.checkIcon(svg, problems: &problems) }
        let features = input.features.map { Self.features($0, problems: &problems) } ?? Integration.Feature.defaults
        let endpoint = input.endpoint.flatMap { value in
            EndpointSettings.settings(value, requireURL: true, policy: services.addressPolicy, problems: &problems)
        }
        try problems.throwIfAny()
        let now = services.clock.nowMillis
        let kind: User.Kind = input.bot == true ? .bot : .app
        let integrationId = Identifier.make(.integration, nowMillis: now)
        let user = User(
            id: Identifier.make(.user, nowMillis: now), organizationId: organization.id, name: input.name, email: nil, phone: nil, role: .member,
            kind: kind, integrationId: integrationId, createdAt: now, updatedAt: now)
        var integration = Integration(
            id: integrationId, organizationId: organization.id, name: input.name, description: input.description ?? "", iconSvg: input.iconSvg,
            status: .draft, userId: user.id, userKind: kind, finalizedAt: nil, createdAt: now, updatedAt: now)
        integration.features = features
        guard let endpoint else {
            try await store.integrations.insert(
                integration, user: user,
                event: try Event.describing(integration, type: "integration.created", in: organization, by: principal, at: now))
            return Created(integration: integration)
        }
        let webhook = EndpointSettings.webhook(for: integration, settings: endpoint, at: now)
        integration.endpoint = Integration.Endpoint(
            webhookId: webhook.id, url: webhook.url, authorizationScheme: webhook.authorization?.scheme.rawValue)
        try await store.integrations.insert(
            integration, user: user, endpoint: webhook, webhooks: store.webhooks,
            event: try Event.describing(integration, type: "integration.created", in: organization, by: principal, at: now))
        let (handshake, _) = try await services.handshake.run(webhook, organizationPath: organization.path, actor: principal.actor)
        return Created(integration: integration, secret: webhook.secret.encoded, handshake: handshake)
    }

    public func list(organizationId: String, _ request: ListRequest, by principal: Principal) async throws -> Page<Integration> {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .integrationsRead)
        return try await store.integrations.list(in: principal.tenant(organization.id), request)
    }

    /// The integration with its API connection, when it has one.
    public func get(_ id: String, organizationId: String, by principal: Principal) async throws -> (Integration, IntegrationAPI?) {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .integrationsRead)
        let integration = try await services.access.integration(id, in: organization, for: principal)
        return (integration, try await store.actions.api(integrationId: integration.id))
    }

    /// The integration with its API settings and source, without the API's definitions (what pages need).
    public func settings(_ id: String, organizationId: String, by principal: Principal) async throws -> (
        Integration, (settings: APISettings, source: String?)?
    ) {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .integrationsRead)
        let integration = try await services.access.integration(id, in: organization, for: principal)
        return (integration, try await store.actions.settings(integrationId: integration.id))
    }

    public func update(_ id: String, _ input: UpdateInput, organizationId: String, by principal: Principal) async throws -> (
        Integration, IntegrationAPI?
    ) {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .integrationsWrite)
        var integration = try await services.access.integration(id, in: organization, for: principal)
        var problems = FieldProblems()
        if let name = input.name { problems.check(FieldRules.name(name, at: "/name")) }
        if let description = input.description { problems.check(FieldRules.text(description, at: "/description")) }
        if case .value(let svg) = input.iconSvg { Self.checkIcon(svg, problems: &problems) }
        let features = input.features.map { Self.features($0, problems: &problems) } ?? integration.features
        var settings: APISettings?
        if let api = input.api {
            let (decoded, apiProblems) = Self.apiSettings(api)
            settings = decoded
            for problem in apiProblems { problems.check(problem) }
            // Installations hold credentials for one method: once finalized, the method stays.
            if integration.status != .draft, let decoded, let current = try await store.actions.api(integrationId: integration.id)?.settings.auth,
                decoded.auth.type != current.type || (current.type == .oauth2 && decoded.auth.grantType != current.grantType)
            {
                problems.add(
                    "/api/auth/type",
                    "cannot change once the integration is finalized: its installations hold credentials for \(current.type.rawValue)")
            }
        }
        var endpointWebhook: Webhook?
        if let value = input.endpoint {
            if let current = integration.endpoint,
                let webhook = try await store.webhooks.find(id: current.webhookId, in: Tenant(organizationId: integration.organizationId))
            {
                if let settings = EndpointSettings.settings(value, requireURL: false, policy: services.addressPolicy, problems: &problems) {
                    endpointWebhook = webhook
                    endpointWebhook?.url = settings.url ?? webhook.url
                    endpointWebhook?.authorization = settings.authorization.applied(to: webhook.authorization)
                    endpointWebhook?.verifyTls = settings.verifyTls ?? webhook.verifyTls
                }
            } else {
                problems.add("/endpoint", "this integration has no endpoint; endpoint integrations are made with one")
            }
        }
        var status = integration.status
        if let text = input.status {
            if let next = Integration.Status(rawValue: text) {
                if let reason = integration.transitionError(to: next) { problems.add("/status", reason) } else { status = next }
            } else {
                problems.add("/status", "must be one of published, hidden")
            }
        }
        try problems.throwIfAny()
        integration.features = features
        // An API connection is what actions run against.
        if input.api != nil { try integration.require(.actions) }
        let now = services.clock.nowMillis
        integration.name = input.name ?? integration.name
        integration.description = input.description ?? integration.description
        integration.iconSvg = input.iconSvg.applied(to: integration.iconSvg)
        integration.status = status
        integration.updatedAt = now
        if var webhook = endpointWebhook {
            webhook.updatedAt = now
            endpointWebhook = webhook
            integration.endpoint = Integration.Endpoint(
                webhookId: webhook.id, url: webhook.url, authorizationScheme: webhook.authorization?.scheme.rawValue)
        }
        // The integration, its endpoint's webhook and the event: one transaction.
        guard
            try await store.integrations.update(
                integration, settings: settings, endpoint: endpointWebhook, webhooks: store.webhooks,
                event: try Event.describing(integration, type: "integration.updated", in: organization, by: principal, at: now))
        else { throw PatchbayError.notFound("Integration \(integration.id)") }
        return (integration, try await store.actions.api(integrationId: integration.id))
    }

    /// Draft → published (or hidden); there is no way back to draft.
    public func finalize(_ id: String, status: String?, organizationId: String, by principal: Principal) async throws -> Integration {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .integrationsWrite)
        var integration = try await services.access.integration(id, in: organization, for: principal)
        guard integration.status == .draft else {
            throw PatchbayError(.conflict, "Integration \(integration.id) is already finalized (status \(integration.status.rawValue)).")
        }
        let target: Integration.Status
        switch status {
        case nil, "published": target = .published
        case "hidden": target = .hidden
        default: throw PatchbayError.invalid("/status", "must be one of published, hidden")
        }
        let now = services.clock.nowMillis
        integration.status = target
        integration.finalizedAt = now
        integration.updatedAt = now
        guard
            try await store.integrations.update(
                integration, event: try Event.describing(integration, type: "integration.updated", in: organization, by: principal, at: now))
        else { throw PatchbayError.notFound("Integration \(integration.id)") }
        return integration
    }

    public func delete(_ id: String, organizationId: String, by principal: Principal) async throws {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .integrationsWrite)
        let integration = try await services.access.integration(id, in: organization, for: principal)
        let event = try Event.describing(integration, type: "integration.deleted", in: organization, by: principal, at: services.clock.nowMillis)
        // The integration's tokens go with it.
        defer { services.principals.invalidate() }
        guard try await store.integrations.delete(id: integration.id, in: principal.tenant(organization.id), event: event) else {
            throw PatchbayError.notFound("Integration \(integration.id)")
        }
    }

    /// The declared features, each checked; duplicates collapse.
    public static func features(_ names: [String], problems: inout FieldProblems) -> [Integration.Feature] {
        var features: [Integration.Feature] = []
        for (index, name) in names.enumerated() {
            if let feature = Integration.Feature(rawValue: name) {
                if !features.contains(feature) { features.append(feature) }
            } else {
                problems.add("/features/\(index)", "is not a feature; use \(Integration.Feature.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        return features
    }

    /// Reads an `api` object: unknown fields, wrong types and settings that break the contract's rules are all
    /// reported with pointers below `/api`.
    public static func apiSettings(_ value: JSONValue) -> (APISettings?, [FieldError]) {
        guard case .object = value else { return (nil, [FieldError(pointer: "/api", "must be an object")]) }
        let unknown = APISettingsRules.unknownFields(value)
        if !unknown.isEmpty { return (nil, unknown) }
        do {
            let settings = try JSONDecoder().decode(APISettings.self, from: Data(JSONText.encode(value)))
            return (settings, APISettingsRules.problems(settings))
        } catch let error as DecodingError {
            let problem = DecodingProblems.problem(for: error).errors.map { error in
                FieldError(pointer: "/api" + (error.pointer ?? ""), error.message)
            }
            return (nil, problem)
        } catch {
            return (nil, [FieldError(pointer: "/api", "is not a valid api object")])
        }
    }
}
