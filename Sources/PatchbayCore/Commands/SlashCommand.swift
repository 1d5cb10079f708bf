/// A slash command an integration answers (`/deploy`), registered on the integration and usable in every organization
/// where the integration is installed and published.
public struct SlashCommand: Sendable, Equatable {
    public var id: String
    public var integrationId: String
    /// The integration's own organization.
    public var organizationId: String
    public var name: String
    public var description: String
    public var usage: String?
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: String, integrationId: String, organizationId: String, name: String, description: String, usage: String?, createdAt: Int64,
        updatedAt: Int64
    ) {
        self.id = id
        self.integrationId = integrationId
        self.organizationId = organizationId
        self.name = name
        self.description = description
        self.usage = usage
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Why `name` is not a command name (`[a-z0-9][a-z0-9_-]{0,31}`), or nil.
    public static func nameProblem(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        let isLowerOrDigit = { (byte: UInt8) in (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) }
        guard let first = bytes.first, isLowerOrDigit(first), bytes.count <= 32,
            bytes.dropFirst().allSatisfy({ isLowerOrDigit($0) || $0 == 0x5F || $0 == 0x2D })
        else {
            return "must be 1 to 32 of a-z, 0-9, _ and -, starting with a letter or digit (no slash)"
        }
        return nil
    }

    /// The name a person typed (`/deploy`, `deploy`, `/Deploy`), as registered.
    public static func normalized(_ typed: String) -> String {
        String(typed.trimmingWhitespace().drop { $0 == "/" }).lowercased()
    }
}

extension SlashCommand: Encodable {
    enum CodingKeys: String, CodingKey { case id, integrationId, name, command, description, usage, createdAt, updatedAt }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(integrationId, forKey: .integrationId)
        try container.encode(name, forKey: .name)
        try container.encode("/" + name, forKey: .command)
        try container.encode(description, forKey: .description)
        try container.encode(usage, forKey: .usage)
        try container.encode(Timestamp.format(createdAt), forKey: .createdAt)
        try container.encode(Timestamp.format(updatedAt), forKey: .updatedAt)
    }
}
