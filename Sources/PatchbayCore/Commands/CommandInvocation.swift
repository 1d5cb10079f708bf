/// One use of a slash command, as the history keeps it: what was sent, how the integration answered, how long it
/// took, and the deferred responses posted afterwards.
public struct CommandInvocation: Sendable, Equatable {
    public enum Outcome: String, Sendable, Codable, CaseIterable {
        case answered
        case deferred
        /// The integration answered non-2xx, with something that is not a reply, or could not be reached.
        case failed
        case timedOut = "timed_out"
    }

    public var id: String
    public var organizationId: String
    public var integrationId: String
    public var commandId: String
    /// The command's name, without the slash.
    public var command: String
    public var userId: String
    public var text: String
    /// The JSON body sent to the integration.
    public var request: JSONValue
    public var outcome: Outcome
    public var answer: CommandReply?
    public var statusCode: Int?
    public var latencyMs: Int64
    public var error: String?
    public var createdAt: Int64
    public var responses: [Response] = []

    /// A deferred response posted to the response URL.
    public struct Response: Sendable, Equatable, Encodable {
        public var sequence: Int
        public var reply: CommandReply
        public var eventId: String
        public var receivedAt: Int64

        public init(sequence: Int, reply: CommandReply, eventId: String, receivedAt: Int64) {
            self.sequence = sequence
            self.reply = reply
            self.eventId = eventId
            self.receivedAt = receivedAt
        }

        enum CodingKeys: String, CodingKey { case sequence, text, blocks, responseType, eventId, receivedAt }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(sequence, forKey: .sequence)
            try container.encode(reply.text, forKey: .text)
            try container.encode(reply.blocks, forKey: .blocks)
            try container.encode(reply.responseType, forKey: .responseType)
            try container.encode(eventId, forKey: .eventId)
            try container.encode(Timestamp.format(receivedAt), forKey: .receivedAt)
        }
    }

    public init(
        id: String, organizationId: String, integrationId: String, commandId: String, command: String, userId: String, text: String,
        request: JSONValue, outcome: Outcome, answer: CommandReply?, statusCode: Int?, latencyMs: Int64, error: String?, createdAt: Int64
    ) {
        self.id = id
        self.organizationId = organizationId
        self.integrationId = integrationId
        self.commandId = commandId
        self.command = command
        self.userId = userId
        self.text = text
        self.request = request
        self.outcome = outcome
        self.answer = answer
        self.statusCode = statusCode
        self.latencyMs = latencyMs
        self.error = error
        self.createdAt = createdAt
    }
}

extension CommandInvocation: Encodable {
    enum CodingKeys: String, CodingKey {
        case id, organizationId, integrationId, commandId, command, userId, text, request, outcome, answer, statusCode, latencyMs, error,
            responses, createdAt
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(organizationId, forKey: .organizationId)
        try container.encode(integrationId, forKey: .integrationId)
        try container.encode(commandId, forKey: .commandId)
        try container.encode("/" + command, forKey: .command)
        try container.encode(userId, forKey: .userId)
        try container.encode(text, forKey: .text)
        try container.encode(request, forKey: .request)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(answer, forKey: .answer)
        try container.encode(statusCode, forKey: .statusCode)
        try container.encode(latencyMs, forKey: .latencyMs)
        try container.encode(error, forKey: .error)
        try container.encode(responses, forKey: .responses)
        try container.encode(Timestamp.format(createdAt), forKey: .createdAt)
    }
}

/// The capability in a response URL: which invocation it answers and until when, sealed with the server's key, so the
/// URL is unguessable and needs no lookup to be checked (a reply may arrive before the invocation is recorded).
public struct CommandResponseGrant: Sendable, Equatable {
    public static let lifetimeMillis: Int64 = 30 * 60_000
    public static let maxResponses = 5
    static let context = "command-response-url"

    public var invocationId: String
    public var organizationId: String
    public var integrationId: String
    public var command: String
    public var userId: String
    public var expiresAt: Int64

    public init(invocationId: String, organizationId: String, integrationId: String, command: String, userId: String, expiresAt: Int64) {
        self.invocationId = invocationId
        self.organizationId = organizationId
        self.integrationId = integrationId
        self.command = command
        self.userId = userId
        self.expiresAt = expiresAt
    }

    /// The URL-safe token.
    public func token(sealedWith box: SecretBox) throws -> String {
        let plain = [invocationId, organizationId, integrationId, command, userId, String(expiresAt)].joined(separator: " ")
        let sealed = try box.seal(plain, context: Self.context).dropFirst(SecretBox.version.count)
        return String(sealed.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 }.filter { $0 != "=" })
    }

    /// The grant in `token`, or nil when it was not sealed by this server's key (or was altered).
    public static func open(_ token: String, with box: SecretBox) -> CommandResponseGrant? {
        guard token.utf8.count <= 512, token.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        var base64 = String(token.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        while base64.utf8.count % 4 != 0 { base64 += "=" }
        guard let plain = try? box.open(SecretBox.version + base64, context: context) else { return nil }
        let parts = plain.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, let expiresAt = Int64(parts[5]) else { return nil }
        return CommandResponseGrant(
            invocationId: parts[0], organizationId: parts[1], integrationId: parts[2], command: parts[3], userId: parts[4], expiresAt: expiresAt)
    }
}
