/// One request received on an inbound endpoint, as kept in its history: headers (credentials masked), the raw body
/// and the verdict. Refused requests are not kept (only counted).
public struct InboundRequest: Sendable, Equatable {
    public enum Verdict: String, Sendable, Codable, CaseIterable {
        /// The signature or credentials checked out, and the event was stored.
        case verified
        /// The endpoint checks nothing (`none`); the event was stored.
        case unverified
        /// Verified, but the body could not become an event (not JSON, or data failing the event type's schema).
        case invalid
    }

    public var id: String
    public var inboundWebhookId: String
    public var organizationId: String
    public var receivedAt: Int64
    public var headers: [String: String]
    public var body: String
    /// `utf8`, or `base64` for a body that is not text.
    public var bodyEncoding: String
    public var verdict: Verdict
    /// The provider's delivery id, when it sent one.
    public var deliveryId: String?
    public var eventId: String?
    /// Why an `invalid` request made no event.
    public var problems: [FieldError]

    public init(
        id: String, inboundWebhookId: String, organizationId: String, receivedAt: Int64, headers: [String: String], body: String,
        bodyEncoding: String, verdict: Verdict, deliveryId: String?, eventId: String?, problems: [FieldError]
    ) {
        self.id = id
        self.inboundWebhookId = inboundWebhookId
        self.organizationId = organizationId
        self.receivedAt = receivedAt
        self.headers = headers
        self.body = body
        self.bodyEncoding = bodyEncoding
        self.verdict = verdict
        self.deliveryId = deliveryId
        self.eventId = eventId
        self.problems = problems
    }
}

extension InboundRequest: Encodable {
    enum CodingKeys: String, CodingKey {
        case id, inboundWebhookId, receivedAt, headers, body, bodyEncoding, verdict, deliveryId, eventId, problems
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(inboundWebhookId, forKey: .inboundWebhookId)
        try container.encode(Timestamp.format(receivedAt), forKey: .receivedAt)
        try container.encode(headers, forKey: .headers)
        try container.encode(body, forKey: .body)
        try container.encode(bodyEncoding, forKey: .bodyEncoding)
        try container.encode(verdict, forKey: .verdict)
        try container.encode(deliveryId, forKey: .deliveryId)
        try container.encode(eventId, forKey: .eventId)
        try container.encode(problems, forKey: .problems)
    }
}
