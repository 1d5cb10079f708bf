/// An outbound webhook: where matching events of an organization are delivered, and how.
public struct Webhook: Sendable, Equatable {
    public enum Format: String, Sendable, Codable, CaseIterable {
        case json
        case form
    }

    /// `paused` is chosen by the user; `failing` and `disabled` are set by delivery outcomes.
    public enum State: String, Sendable, Codable, CaseIterable {
        case active
        case paused
        case failing
        case disabled
    }

    /// The `authorization` header sent with every request: `Bearer <token>` or `Token <token>`.
    public struct Authorization: Sendable, Equatable {
        public enum Scheme: String, Sendable, Codable, CaseIterable {
            case bearer = "Bearer"
            case token = "Token"
        }

        public var scheme: Scheme
        public var token: String

        public init(scheme: Scheme, token: String) {
            self.scheme = scheme
            self.token = token
        }

        public var headerValue: String { "\(scheme.rawValue) \(token)" }
        /// What lists and histories show instead of the token.
        public var masked: String { "\(scheme.rawValue) ****" + (token.count >= 12 ? String(token.suffix(4)) : "") }
    }

    /// A rotated-out secret stays valid (and is still signed with) until it expires.
    public static let previousSecretLifetimeMillis: Int64 = 24 * 3_600_000

    public var id: String
    public var organizationId: String
    public var integrationId: String?
    public var name: String
    public var url: String
    /// Empty means every event type.
    public var eventTypes: [String]
    public var state: State
    public var verifyTls: Bool
    public var format: Format
    public var maxEventsPerRequest: Int
    /// Deliveries a second at most (`rateLimit`), enforced by the worker across instances; nil for no limit.
    public var rateLimit: Int?
    public var authorization: Authorization?
    public var headers: [String: String]
    public var secret: WebhookSecret
    public var previousSecret: WebhookSecret?
    public var previousSecretExpiresAt: Int64?
    public var lastTriggeredAt: Int64?
    public var lastStatus: Int?
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: String, organizationId: String, integrationId: String?, name: String, url: String, eventTypes: [String], state: State,
        verifyTls: Bool, format: Format, maxEventsPerRequest: Int, authorization: Authorization?, headers: [String: String],
        secret: WebhookSecret, previousSecret: WebhookSecret?, previousSecretExpiresAt: Int64?, lastTriggeredAt: Int64?,
        lastStatus: Int?, createdAt: Int64, updatedAt: Int64, rateLimit: Int? = nil
    ) {
        self.id = id
        self.organizationId = organizationId
        self.integrationId = integrationId
        self.name = name
        self.url = url
        self.eventTypes = eventTypes
        self.state = state
        self.verifyTls = verifyTls
        self.format = format
        self.maxEventsPerRequest = maxEventsPerRequest
        self.rateLimit = rateLimit
        self.authorization = authorization
        self.headers = headers
        self.secret = secret
        self.previousSecret = previousSecret
        self.previousSecretExpiresAt = previousSecretExpiresAt
        self.lastTriggeredAt = lastTriggeredAt
        self.lastStatus = lastStatus
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var active: Bool { state != .paused && state != .disabled }

    /// Deliveries waiting for this webhook to be active again (shown, not stored on the webhook's row).
    public var heldCount = 0

    /// Whether an event of `type` goes to this webhook.
    public func subscribes(to type: String) -> Bool { eventTypes.isEmpty || eventTypes.contains(type) }

    /// The secrets to sign with at `now`: the current one, plus the previous one while it is still valid.
    public func signingSecrets(at now: Int64) -> [WebhookSecret] {
        guard let previousSecret, let expiry = previousSecretExpiresAt, now < expiry else { return [secret] }
        return [secret, previousSecret]
    }

    /// Replaces the secret; the old one keeps being sent (and accepted) for 24 hours.
    public mutating func rotateSecret(to next: WebhookSecret, at now: Int64) {
        previousSecret = secret
        previousSecretExpiresAt = now + Self.previousSecretLifetimeMillis
        secret = next
        updatedAt = now
    }
}

extension Webhook: Encodable {
    enum CodingKeys: String, CodingKey {
        case id, organizationId, integrationId, name, url, eventTypes, active, state, verifyTls, format, maxEventsPerRequest, rateLimit,
            authorization,
            headers, lastTriggeredAt, lastStatus, heldCount, createdAt, updatedAt
    }

    enum AuthorizationKeys: String, CodingKey { case scheme, token }

    /// Never the secret or the authorization token: those are shown only where the API says so.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(organizationId, forKey: .organizationId)
        try container.encode(integrationId, forKey: .integrationId)
        try container.encode(name, forKey: .name)
        try container.encode(url, forKey: .url)
        try container.encode(eventTypes, forKey: .eventTypes)
        try container.encode(active, forKey: .active)
        try container.encode(state, forKey: .state)
        try container.encode(verifyTls, forKey: .verifyTls)
        try container.encode(format, forKey: .format)
        try container.encode(maxEventsPerRequest, forKey: .maxEventsPerRequest)
        try container.encode(rateLimit, forKey: .rateLimit)
        if let authorization {
            var nested = container.nestedContainer(keyedBy: AuthorizationKeys.self, forKey: .authorization)
            try nested.encode(authorization.scheme, forKey: .scheme)
            try nested.encode(authorization.masked, forKey: .token)
        } else {
            try container.encodeNil(forKey: .authorization)
        }
        try container.encode(headers, forKey: .headers)
        try container.encode(lastTriggeredAt.map(Timestamp.format), forKey: .lastTriggeredAt)
        try container.encode(lastStatus, forKey: .lastStatus)
        try container.encode(heldCount, forKey: .heldCount)
        try container.encode(Timestamp.format(createdAt), forKey: .createdAt)
        try container.encode(Timestamp.format(updatedAt), forKey: .updatedAt)
    }
}
