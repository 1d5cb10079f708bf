import Foundation

/// An event in the outbox: written in the same transaction as the change it describes.
public struct Event: Sendable, Equatable {
    public var id: String
    public var type: String
    public var organizationId: String
    public var organizationPath: OrganizationPath
    public var actor: Actor
    public var data: JSONValue
    public var createdAt: Int64
    /// Store-assigned order of insertion; 0 before the event is stored.
    public var sequence: Int64

    public init(
        id: String,
        type: String,
        organizationId: String,
        organizationPath: OrganizationPath,
        actor: Actor,
        data: JSONValue,
        createdAt: Int64,
        sequence: Int64 = 0
    ) {
        self.id = id
        self.type = type
        self.organizationId = organizationId
        self.organizationPath = organizationPath
        self.actor = actor
        self.data = data
        self.createdAt = createdAt
        self.sequence = sequence
    }

    /// The part of the type after the last dot: `created` in `user.created`.
    public var action: String { Self.action(of: type) }

    /// The action of an event type: what follows its last dot.
    public static func action(of type: String) -> String {
        type.lastIndex(of: ".").map { String(type[type.index(after: $0)...]) } ?? type
    }

    /// An event describing `subject` (encoded the way the API shows it).
    public static func describing(
        _ subject: some Encodable,
        type: String,
        organizationId: String,
        organizationPath: OrganizationPath,
        actor: Actor,
        at now: Int64
    ) throws -> Event {
        let data = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(subject))
        return Event(
            id: Identifier.make(.event, nowMillis: now),
            type: type,
            organizationId: organizationId,
            organizationPath: organizationPath,
            actor: actor,
            data: data,
            createdAt: now
        )
    }
}

extension Event: Encodable {
    /// The delivered envelope: `{"id","type","action","createdAt","organizationId","actor","data"}`.
    enum CodingKeys: String, CodingKey { case id, type, action, createdAt, organizationId, actor, data }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encode(action, forKey: .action)
        try container.encode(Timestamp.format(createdAt), forKey: .createdAt)
        try container.encode(organizationId, forKey: .organizationId)
        try container.encode(actor, forKey: .actor)
        try container.encode(data, forKey: .data)
    }
}
