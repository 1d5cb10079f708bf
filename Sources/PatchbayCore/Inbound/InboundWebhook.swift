/// An inbound endpoint: an unguessable `/in/…` URL that a provider posts to. Each verified request becomes an event
/// of `eventType` in the organization, acting as the integration when one is named.
public struct InboundWebhook: Sendable, Equatable {
    public var id: String
    public var organizationId: String
    public var integrationId: String?
    public var name: String
    public var eventType: String
    public var verification: InboundVerification
    /// The unguessable part of the URL: 32 base64url characters (192 random bits).
    public var urlToken: String
    public var active: Bool
    /// Who the events are from: the integration's user, or the endpoint itself.
    public var actor: Actor
    public var stats: Stats
    public var createdAt: Int64
    public var updatedAt: Int64

    /// Counters: accepted requests are counted from the stored requests, refusals and duplicates (which store
    /// nothing) by counters on the endpoint.
    public struct Stats: Sendable, Equatable {
        public var accepted: Int64 = 0
        public var rejected: Int64 = 0
        public var duplicates: Int64 = 0
        public var lastReceivedAt: Int64?
        public var lastRejectedAt: Int64?
        public var lastRejection: String?

        public init(
            accepted: Int64 = 0, rejected: Int64 = 0, duplicates: Int64 = 0, lastReceivedAt: Int64? = nil, lastRejectedAt: Int64? = nil,
            lastRejection: String? = nil
        ) {
            self.accepted = accepted
            self.rejected = rejected
            self.duplicates = duplicates
            self.lastReceivedAt = lastReceivedAt
            self.lastRejectedAt = lastRejectedAt
            self.lastRejection = lastRejection
        }
    }

    public init(
        id: String, organizationId: String, integrationId: String?, name: String, eventType: String, verification: InboundVerification,
        urlToken: String, active: Bool, actor: Actor, stats: Stats = Stats(), createdAt: Int64, updatedAt: Int64
    ) {
        self.id = id
        self.organizationId = organizationId
        self.integrationId = integrationId
        self.name = name
        self.eventType = eventType
        self.verification = verification
        self.urlToken = urlToken
        self.active = active
        self.actor = actor
        self.stats = stats
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The absolute path receivers post to.
    public var path: String { Self.pathPrefix + urlToken }

    public static let pathPrefix = "/in/"

    /// A new URL token: 24 random bytes, base64url.
    public static func makeURLToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return OAuthProtocol.base64URL((0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Whether `text` could be a URL token (checked before any lookup).
    public static func isWellFormedToken(_ text: some StringProtocol) -> Bool {
        text.utf8.count == 32
            && text.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2D || byte == 0x5F
            }
    }
}

extension InboundWebhook: Encodable {
    enum CodingKeys: String, CodingKey {
        case id, organizationId, integrationId, name, eventType, url, active, verification, stats, createdAt, updatedAt
    }

    /// The verification without its secrets: which scheme, which header, and whether a secret is set.
    struct VerificationView: Encodable {
        var scheme: InboundVerification.Scheme
        var header: String?
        var encoding: InboundVerification.Encoding?
        var username: String?
        var secretSet: Bool
    }

    struct StatsView: Encodable {
        var accepted: Int64
        var rejected: Int64
        var duplicates: Int64
        var lastReceivedAt: String?
        var lastRejectedAt: String?
        var lastRejection: String?

        enum CodingKeys: CodingKey { case accepted, rejected, duplicates, lastReceivedAt, lastRejectedAt, lastRejection }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(accepted, forKey: .accepted)
            try container.encode(rejected, forKey: .rejected)
            try container.encode(duplicates, forKey: .duplicates)
            try container.encode(lastReceivedAt, forKey: .lastReceivedAt)
            try container.encode(lastRejectedAt, forKey: .lastRejectedAt)
            try container.encode(lastRejection, forKey: .lastRejection)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(organizationId, forKey: .organizationId)
        try container.encode(integrationId, forKey: .integrationId)
        try container.encode(name, forKey: .name)
        try container.encode(eventType, forKey: .eventType)
        try container.encode(path, forKey: .url)
        try container.encode(active, forKey: .active)
        try container.encode(
            VerificationView(
                scheme: verification.scheme, header: verification.header, encoding: verification.encoding, username: verification.username,
                secretSet: !(verification.secret ?? verification.password ?? "").isEmpty),
            forKey: .verification)
        try container.encode(
            StatsView(
                accepted: stats.accepted, rejected: stats.rejected, duplicates: stats.duplicates,
                lastReceivedAt: stats.lastReceivedAt.map(Timestamp.format), lastRejectedAt: stats.lastRejectedAt.map(Timestamp.format),
                lastRejection: stats.lastRejection),
            forKey: .stats)
        try container.encode(Timestamp.format(createdAt), forKey: .createdAt)
        try container.encode(Timestamp.format(updatedAt), forKey: .updatedAt)
    }
}
