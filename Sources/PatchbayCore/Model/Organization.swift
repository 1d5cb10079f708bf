/// A tenant. Organizations form a tree: a managing organization and its child organizations.
public struct Organization: Sendable, Equatable {
    public var id: String
    public var name: String
    public var parentId: String?
    public var path: OrganizationPath
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(id: String, name: String, parentId: String?, path: OrganizationPath, createdAt: Int64, updatedAt: Int64) {
        self.id = id
        self.name = name
        self.parentId = parentId
        self.path = path
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension Organization: Encodable {
    enum CodingKeys: String, CodingKey { case id, name, parentId, createdAt, updatedAt }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(parentId, forKey: .parentId)
        try container.encode(Timestamp.format(createdAt), forKey: .createdAt)
        try container.encode(Timestamp.format(updatedAt), forKey: .updatedAt)
    }
}
