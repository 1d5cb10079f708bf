import Foundation
import PatchbayCore
import PatchbayStorage

/// Host events into the outbox (checked against their types' schemas, all or nothing, with idempotency keys), and
/// the outbox read back in order.
public struct EventService: Sendable {
    let services: Services
    public static let maxBatch = 1000

    public struct Input: Decodable, Sendable {
        public var type: String
        public var data: JSONValue

        public init(type: String, data: JSONValue) {
            self.type = type
            self.data = data
        }
    }

    /// Stores the events (each checked; one problem refuses all) and fans them out; with an idempotency key, a
    /// repeat of the same request answers with the first one's events (`replayed`).
    public func publish(
        _ inputs: [Input], organizationId: String, pointerPrefix: String, idempotencyKey: String?, requestPath: String, by principal: Principal
    ) async throws -> (events: [Event], replayed: Bool) {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .eventsWrite)
        let idempotency = try Self.idempotency(idempotencyKey, inputs: inputs, path: requestPath, now: services.clock.nowMillis)
        var types: [String: EventType?] = [:]
        var problems = FieldProblems()
        var events: [Event] = []
        let now = services.clock.nowMillis
        for (index, input) in inputs.enumerated() {
            let pointer = inputs.count == 1 && pointerPrefix.isEmpty ? "" : "\(pointerPrefix)/\(index)"
            if types[input.type] == nil { types[input.type] = .some(try await services.eventTypes.find(input.type)) }
            guard let type = types[input.type] ?? nil else {
                problems.add(pointer + "/type", "is not a registered event type (see GET /v1/event-types)")
                continue
            }
            if type.builtIn {
                problems.add(pointer + "/type", "is emitted by Patchbay itself and cannot be published")
                continue
            }
            guard case .object = input.data else {
                problems.add(pointer + "/data", "must be a JSON object")
                continue
            }
            if let schema = type.schema { schema.validate(input.data, at: pointer + "/data").forEach { problems.check($0) } }
            events.append(
                Event(
                    id: Identifier.make(.event, nowMillis: now), type: input.type, organizationId: organization.id,
                    organizationPath: organization.path, actor: principal.actor, data: input.data, createdAt: now))
        }
        try problems.throwIfAny()
        switch try await services.store.events.publish(events, organizationId: organization.id, idempotency: idempotency) {
        case .published(let stored): return (stored, false)
        case .replayed(let first): return (first, true)
        }
    }

    /// The key with a hash of what it was sent with: the same key with another request is refused by the store.
    static func idempotency(_ key: String?, inputs: [Input], path: String, now: Int64) throws -> IdempotencyKey? {
        guard let key else { return nil }
        guard (1...255).contains(key.utf8.count), key.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
            throw PatchbayError.invalidParameter("Idempotency-Key", "must be 1 to 255 printable ASCII characters without spaces")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let canonical: [JSONValue] = inputs.map { ["type": .string($0.type), "data": $0.data] }
        let hash = TokenSecret.sha256Hex(String(decoding: try encoder.encode(canonical), as: UTF8.self) + path)
        return IdempotencyKey(key: key, requestHash: hash, now: now)
    }

    /// The organization's events (and its descendants' when asked) after sequence `after`, oldest first.
    public func list(
        organizationId: String, includeDescendants: Bool, type: String?, after: Int64?, limit: Int, by principal: Principal
    ) async throws -> (events: [Event], hasMore: Bool) {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .eventsRead)
        let result = try await services.store.events.list(
            organization: organization, includeDescendants: includeDescendants, type: type, after: after, limit: limit)
        return (result.events, result.hasMore)
    }
}
