/// One request's worth of events for one webhook, and where it stands. Created in the transaction that stores the
/// event: `pending`, or `held` while the webhook is paused or disabled (released, oldest first, when it is active
/// again or on recover); the delivery engine moves it on.
public struct Delivery: Sendable, Equatable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        case pending
        case succeeded
        case retrying
        case failed
        case held
    }

    public var id: String
    public var webhookId: String
    public var organizationId: String
    public var eventIds: [String]
    public var status: Status
    public var attemptCount: Int
    public var nextAttemptAt: Int64?
    public var lastAttemptAt: Int64?
    public var createdAt: Int64

    public init(
        id: String, webhookId: String, organizationId: String, eventIds: [String], status: Status, attemptCount: Int, nextAttemptAt: Int64?,
        lastAttemptAt: Int64?, createdAt: Int64
    ) {
        self.id = id
        self.webhookId = webhookId
        self.organizationId = organizationId
        self.eventIds = eventIds
        self.status = status
        self.attemptCount = attemptCount
        self.nextAttemptAt = nextAttemptAt
        self.lastAttemptAt = lastAttemptAt
        self.createdAt = createdAt
    }
}

extension Delivery: Encodable {
    enum CodingKeys: String, CodingKey { case id, webhookId, eventIds, status, attempts, lastAttemptAt, nextAttemptAt, createdAt }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(webhookId, forKey: .webhookId)
        try container.encode(eventIds, forKey: .eventIds)
        try container.encode(status, forKey: .status)
        try container.encode(attemptCount, forKey: .attempts)
        try container.encode(lastAttemptAt.map(Timestamp.format), forKey: .lastAttemptAt)
        try container.encode(nextAttemptAt.map(Timestamp.format), forKey: .nextAttemptAt)
        try container.encode(Timestamp.format(createdAt), forKey: .createdAt)
    }
}
