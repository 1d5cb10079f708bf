import PatchbayCore
import PatchbayDelivery
import PatchbayStorage

/// Outbound webhooks of an organization: configuration, secrets and their rotation, pause and resume, tests.
public struct WebhookService: Sendable {
    let services: Services
    public static let sortable = ["name", "url", "lastTriggeredAt", "state", "createdAt", "updatedAt"]

    public struct AuthorizationInput: Decodable, Sendable {
        public var scheme: String
        public var token: String

        public init(scheme: String, token: String) {
            self.scheme = scheme
            self.token = token
        }
    }

    public struct CreateInput: Decodable, Sendable {
        public var name: String
        public var url: String
        public var eventTypes: [String]?
        public var integrationId: String?
        public var active: Bool?
        public var verifyTls: Bool?
        public var format: String?
        public var maxEventsPerRequest: Int?
        public var rateLimit: Int?
        public var authorization: AuthorizationInput?
        public var headers: [String: String]?
        public var secret: String?

        public init(name: String, url: String, eventTypes: [String]? = nil) {
            self.name = name
            self.url = url
            self.eventTypes = eventTypes
        }
    }

    public struct UpdateInput: Decodable, Sendable {
        public var name: String?
        public var url: String?
        public var eventTypes: [String]?
        public var integrationId: String?
        public var active: Bool?
        public var verifyTls: Bool?
        public var format: String?
        public var maxEventsPerRequest: Int?
        /// Absent: unchanged; null: no limit.
        public var rateLimit: PatchValue<Int> = .absent
        public var authorization: PatchValue<AuthorizationInput> = .absent
        public var headers: [String: String]?

        public init() {}

        enum CodingKeys: String, CodingKey {
            case name, url, eventTypes, integrationId, active, verifyTls, format, maxEventsPerRequest, rateLimit, authorization, headers
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decodeIfPresent(String.self, forKey: .name)
            url = try container.decodeIfPresent(String.self, forKey: .url)
            eventTypes = try container.decodeIfPresent([String].self, forKey: .eventTypes)
            integrationId = try container.decodeIfPresent(String.self, forKey: .integrationId)
            active = try container.decodeIfPresent(Bool.self, forKey: .active)
            verifyTls = try container.decodeIfPresent(Bool.self, forKey: .verifyTls)
            format = try container.decodeIfPresent(String.self, forKey: .format)
            maxEventsPerRequest = try container.decodeIfPresent(Int.self, forKey: .maxEventsPerRequest)
            rateLimit = try PatchValue(container, .rateLimit)
            authorization = try PatchValue(container, .authorization)
            headers = try container.decodeIfPresent([String: String].self, forKey: .headers)
        }
    }

    /// A created webhook, its secret (shown once) and the handshake's result.
    public struct Created: Sendable {
        public var webhook: Webhook
        public var secret: String
        public var handshake: HandshakeResult
    }

    /// The signing secrets in force: the current one and, during a rotation's grace period, the previous one.
    public struct Secrets: Sendable {
        public var secret: String
        public var previousSecret: String?
        public var previousSecretExpiresAt: Int64?
    }

    private var store: Store { services.store }

    public func create(_ input: CreateInput, organizationId: String, by principal: Principal) async throws -> Created {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .webhooksWrite)
        var problems = FieldProblems()
        problems.check(FieldRules.name(input.name, at: "/name"))
        checkURL(input.url, problems: &problems)
        let eventTypes = try await checkEventTypes(input.eventTypes ?? [], problems: &problems)
        let format = Self.format(input.format, problems: &problems) ?? .json
        let maxEvents = Self.maxEvents(input.maxEventsPerRequest, problems: &problems) ?? 1
        Self.checkRateLimit(input.rateLimit, problems: &problems)
        let authorization = Self.authorization(input.authorization, problems: &problems)
        WebhookRules.headerProblems(input.headers ?? [:]).forEach { problems.check($0) }
        var secret = WebhookSecret.generate()
        if let custom = input.secret {
            if let parsed = WebhookSecret(custom) {
                secret = parsed
            } else {
                problems.add("/secret", "must be whsec_ followed by the base64 of 24 to 64 bytes")
            }
        }
        // An integration token's webhooks are its integration's, whether it says so or not.
        let integrationId = input.integrationId ?? principal.integrationId
        var owner: Integration?
        if let integrationId {
            owner =
                Identifier.isWellFormed(integrationId, .integration)
                ? try await store.integrations.find(id: integrationId, in: principal.tenant(organization.id)) : nil
            if owner == nil { problems.add("/integrationId", "no integration \(integrationId.prefix(40)) in this organization") }
        }
        try problems.throwIfAny()
        try owner?.require(.outboundWebhooks)
        let now = services.clock.nowMillis
        let webhook = Webhook(
            id: Identifier.make(.webhook, nowMillis: now), organizationId: organization.id, integrationId: integrationId, name: input.name,
            url: input.url, eventTypes: eventTypes, state: input.active == false ? .paused : .active, verifyTls: input.verifyTls ?? true,
            format: format, maxEventsPerRequest: maxEvents, authorization: authorization, headers: input.headers ?? [:], secret: secret,
            previousSecret: nil, previousSecretExpiresAt: nil, lastTriggeredAt: nil, lastStatus: nil, createdAt: now, updatedAt: now,
            rateLimit: input.rateLimit
        )
        try await store.webhooks.insert(webhook)
        let (handshake, checked) = try await services.handshake.run(webhook, organizationPath: organization.path, actor: principal.actor)
        return Created(webhook: checked, secret: secret.encoded, handshake: handshake)
    }

    public func list(organizationId: String, _ request: ListRequest, by principal: Principal) async throws -> Page<Webhook> {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .webhooksRead)
        return try await store.webhooks.list(in: principal.tenant(organization.id), request)
    }

    public func get(_ id: String, organizationId: String, by principal: Principal) async throws -> Webhook {
        try await services.access.webhook(id, organizationId: organizationId, for: principal, scope: .webhooksRead).1
    }

    public func update(_ id: String, _ input: UpdateInput, organizationId: String, by principal: Principal) async throws -> Webhook {
        var webhook = try await services.access.webhook(id, organizationId: organizationId, for: principal, scope: .webhooksWrite).1
        return try await update(&webhook, input)
    }

    /// Applies `input` to `webhook`, already looked up with `webhooks:write`.
    public func update(_ webhook: inout Webhook, _ input: UpdateInput) async throws -> Webhook {
        var problems = FieldProblems()
        if let name = input.name { problems.check(FieldRules.name(name, at: "/name")) }
        if let url = input.url { checkURL(url, problems: &problems) }
        var eventTypes: [String]?
        if let requested = input.eventTypes { eventTypes = try await checkEventTypes(requested, problems: &problems) }
        let format = Self.format(input.format, problems: &problems)
        let maxEvents = Self.maxEvents(input.maxEventsPerRequest, problems: &problems)
        if case .value(let limit) = input.rateLimit { Self.checkRateLimit(limit, problems: &problems) }
        if let headers = input.headers { WebhookRules.headerProblems(headers).forEach { problems.check($0) } }
        if let integrationId = input.integrationId, integrationId != webhook.integrationId {
            problems.add("/integrationId", "cannot be changed; create a webhook for the other integration")
        }
        var authorization = webhook.authorization
        switch input.authorization {
        case .absent: break
        case .null: authorization = nil
        case .value(let value): authorization = Self.authorization(value, problems: &problems)
        }
        try problems.throwIfAny()
        webhook.name = input.name ?? webhook.name
        webhook.url = input.url ?? webhook.url
        webhook.eventTypes = eventTypes ?? webhook.eventTypes
        webhook.format = format ?? webhook.format
        webhook.maxEventsPerRequest = maxEvents ?? webhook.maxEventsPerRequest
        switch input.rateLimit {
        case .absent: break
        case .null: webhook.rateLimit = nil
        case .value(let limit): webhook.rateLimit = limit
        }
        webhook.verifyTls = input.verifyTls ?? webhook.verifyTls
        webhook.headers = input.headers ?? webhook.headers
        webhook.authorization = authorization
        // Making a paused or disabled webhook active releases what it held, oldest first, in the same transaction.
        let resuming = input.active == true && !webhook.active
        if let active = input.active { webhook.state = active ? .active : .paused }
        webhook.updatedAt = services.clock.nowMillis
        guard try await store.webhooks.update(webhook, releasingHeld: resuming) else {
            throw PatchbayError.notFound("Webhook \(webhook.id)")
        }
        if resuming { webhook.heldCount = 0 }
        return webhook
    }

    public func delete(_ id: String, organizationId: String, by principal: Principal) async throws {
        let webhook = try await services.access.webhook(id, organizationId: organizationId, for: principal, scope: .webhooksWrite).1
        guard try await store.webhooks.delete(id: webhook.id, in: principal.tenant(webhook.organizationId)) else {
            throw PatchbayError.notFound("Webhook \(webhook.id)")
        }
    }

    public func secrets(_ id: String, organizationId: String, by principal: Principal) async throws -> Secrets {
        let webhook = try await services.access.webhook(id, organizationId: organizationId, for: principal, scope: .webhooksWrite).1
        let secrets = webhook.signingSecrets(at: services.clock.nowMillis)
        return Secrets(
            secret: webhook.secret.encoded,
            previousSecret: secrets.count > 1 ? secrets[1].encoded : nil,
            previousSecretExpiresAt: secrets.count > 1 ? webhook.previousSecretExpiresAt : nil
        )
    }

    /// A new signing secret (`custom` or generated); the previous one keeps signing for the grace period.
    public func rotate(_ id: String, to custom: String?, organizationId: String, by principal: Principal) async throws -> Secrets {
        var webhook = try await services.access.webhook(id, organizationId: organizationId, for: principal, scope: .webhooksWrite).1
        var next = WebhookSecret.generate()
        if let custom {
            guard let parsed = WebhookSecret(custom) else {
                throw PatchbayError.invalid("/secret", "must be whsec_ followed by the base64 of 24 to 64 bytes")
            }
            next = parsed
        }
        webhook.rotateSecret(to: next, at: services.clock.nowMillis)
        guard try await store.webhooks.update(webhook) else { throw PatchbayError.notFound("Webhook \(webhook.id)") }
        return Secrets(
            secret: next.encoded, previousSecret: webhook.previousSecret?.encoded, previousSecretExpiresAt: webhook.previousSecretExpiresAt)
    }

    /// A new handshake, reported like the one at creation.
    public func test(_ id: String, organizationId: String, by principal: Principal) async throws -> (HandshakeResult, Webhook) {
        let (organization, webhook) = try await services.access.webhook(id, organizationId: organizationId, for: principal, scope: .webhooksWrite)
        return try await services.handshake.run(webhook, organizationPath: organization.path, actor: principal.actor)
    }

    // MARK: - Checks

    private func checkURL(_ url: String, problems: inout FieldProblems) {
        if let problem = services.addressPolicy.urlProblem(url) {
            problems.add("/url", problem)
        }
    }

    private func checkEventTypes(_ names: [String], problems: inout FieldProblems) async throws -> [String] {
        if names.count > WebhookRules.maxEventTypes { problems.add("/eventTypes", "must list at most \(WebhookRules.maxEventTypes) types") }
        var unique: [String] = []
        for (index, name) in names.prefix(WebhookRules.maxEventTypes).enumerated() where !unique.contains(name) {
            if try await services.eventTypes.find(name) == nil {
                problems.add("/eventTypes/\(index)", "is not a known event type (see GET /v1/event-types)")
            }
            unique.append(name)
        }
        return unique
    }

    private static func format(_ text: String?, problems: inout FieldProblems) -> Webhook.Format? {
        guard let text else { return nil }
        guard let format = Webhook.Format(rawValue: text) else {
            problems.add("/format", "must be json or form")
            return nil
        }
        return format
    }

    private static func maxEvents(_ value: Int?, problems: inout FieldProblems) -> Int? {
        guard let value else { return nil }
        guard WebhookRules.maxEventsPerRequestRange.contains(value) else {
            problems.add("/maxEventsPerRequest", "must be from 1 to 100")
            return nil
        }
        return value
    }

    private static func checkRateLimit(_ value: Int?, problems: inout FieldProblems) {
        guard let value, !WebhookRules.rateLimitRange.contains(value) else { return }
        problems.add("/rateLimit", "must be from 1 to 10000 deliveries a second, or null for no limit")
    }

    private static func authorization(_ input: AuthorizationInput?, problems: inout FieldProblems) -> Webhook.Authorization? {
        guard let input else { return nil }
        guard let scheme = Webhook.Authorization.Scheme(rawValue: input.scheme) else {
            problems.add("/authorization/scheme", "must be Bearer or Token")
            return nil
        }
        if let problem = WebhookRules.authorizationTokenProblem(input.token) {
            problems.check(problem)
            return nil
        }
        return Webhook.Authorization(scheme: scheme, token: input.token)
    }
}
