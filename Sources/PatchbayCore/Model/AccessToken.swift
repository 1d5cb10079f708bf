/// A stored access token: everything but the secret, of which only a hash is kept.
public struct AccessToken: Sendable, Equatable {
    public var id: String
    /// Nil for admin tokens.
    public var organizationId: String?
    public var name: String
    public var prefix: String
    public var secretHash: String
    public var scopes: [Scope]
    public var isAdmin: Bool
    public var userId: String?
    public var integrationId: String?
    public var expiresAt: Int64?
    public var lastUsedAt: Int64?
    public var revokedAt: Int64?
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: String,
        organizationId: String?,
        name: String,
        prefix: String,
        secretHash: String,
        scopes: [Scope],
        isAdmin: Bool,
        userId: String?,
        integrationId: String?,
        expiresAt: Int64?,
        lastUsedAt: Int64?,
        revokedAt: Int64?,
        createdAt: Int64,
        updatedAt: Int64
    ) {
        self.id = id
        self.organizationId = organizationId
        self.name = name
        self.prefix = prefix
        self.secretHash = secretHash
        self.scopes = scopes
        self.isAdmin = isAdmin
        self.userId = userId
        self.integrationId = integrationId
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Whether the token may authenticate a request at `now`.
    public func isUsable(at now: Int64) -> Bool {
        revokedAt == nil && (expiresAt.map { now < $0 } ?? true)
    }
}

extension AccessToken: Encodable {
    enum CodingKeys: String, CodingKey {
        case id, organizationId, name, prefix, scopes, userId, integrationId, expiresAt, lastUsedAt, revokedAt, createdAt,
            updatedAt
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(organizationId, forKey: .organizationId)
        try container.encode(name, forKey: .name)
        try container.encode(prefix, forKey: .prefix)
        try container.encode(scopes, forKey: .scopes)
        try container.encode(userId, forKey: .userId)
        try container.encode(integrationId, forKey: .integrationId)
        try container.encode(expiresAt.map(Timestamp.format), forKey: .expiresAt)
        try container.encode(lastUsedAt.map(Timestamp.format), forKey: .lastUsedAt)
        try container.encode(revokedAt.map(Timestamp.format), forKey: .revokedAt)
        try container.encode(Timestamp.format(createdAt), forKey: .createdAt)
        try container.encode(Timestamp.format(updatedAt), forKey: .updatedAt)
    }
}
