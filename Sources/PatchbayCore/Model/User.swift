/// A person in an organization, or the user an integration acts as.
public struct User: Sendable, Equatable {
    public enum Role: String, Sendable, Codable, CaseIterable {
        case admin
        case member
    }

    /// `human` users are managed through the users API; `app` and `bot` users belong to an integration.
    public enum Kind: String, Sendable, Codable {
        case human
        case app
        case bot
    }

    public var id: String
    public var organizationId: String
    public var name: String
    public var email: String?
    public var phone: String?
    public var role: Role
    public var kind: Kind
    public var integrationId: String?
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: String,
        organizationId: String,
        name: String,
        email: String?,
        phone: String?,
        role: Role,
        kind: Kind,
        integrationId: String?,
        createdAt: Int64,
        updatedAt: Int64
    ) {
        self.id = id
        self.organizationId = organizationId
        self.name = name
        self.email = email
        self.phone = phone
        self.role = role
        self.kind = kind
        self.integrationId = integrationId
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension User: Encodable {
    enum CodingKeys: String, CodingKey {
        case id, organizationId, name, email, phone, role, kind, integrationId, createdAt, updatedAt
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(organizationId, forKey: .organizationId)
        try container.encode(name, forKey: .name)
        try container.encode(email, forKey: .email)
        try container.encode(phone, forKey: .phone)
        try container.encode(role, forKey: .role)
        try container.encode(kind, forKey: .kind)
        try container.encode(integrationId, forKey: .integrationId)
        try container.encode(Timestamp.format(createdAt), forKey: .createdAt)
        try container.encode(Timestamp.format(updatedAt), forKey: .updatedAt)
    }
}
