import PatchbayCore
import PatchbayStorage

/// What `/in/{token}` does with a provider's request: verify it on its raw bytes, then store it with its event (and
/// the deliveries the event fans out to) in one transaction; a refused one is only counted.
extension InboundService {
    /// What the provider hears back.
    public struct Receipt: Encodable, Sendable {
        public var id: String
        public var eventId: String?
        public var duplicate: Bool
    }

    public enum Reception: Sendable {
        case received(Receipt)
        /// Slack's URL verification: answered with its challenge, nothing stored.
        case challenge(String)
    }

    /// The endpoint behind a public URL token when it exists, is active and its event type is still registered.
    public func endpoint(token: String) async throws -> InboundLookup.Entry? {
        guard InboundWebhook.isWellFormedToken(token) else { return nil }
        return try await services.inboundLookup.find(token: token, services: services)
    }

    /// `headers` are the request's, names canonical and repeated values joined with ", ".
    public func receive(_ found: InboundLookup.Entry, headers: [String: String], body: [UInt8]) async throws -> Reception {
        let inbound = found.inbound
        let now = services.clock.nowMillis
        if let refusal = inbound.verification.verify(headers: headers, body: body, now: now / 1000) {
            try await services.store.inbound.reject(id: inbound.id, reason: refusal.rawValue, at: now)
            throw PatchbayError(.unauthenticated, "The request failed \(inbound.verification.scheme.rawValue) verification: \(refusal.rawValue).")
        }
        let stored = InboundPayload.storedBody(body)
        var record = InboundRequest(
            id: Identifier.make(.inboundRequest, nowMillis: now), inboundWebhookId: inbound.id, organizationId: inbound.organizationId,
            receivedAt: now, headers: InboundPayload.recordedHeaders(headers, verification: inbound.verification), body: stored.text,
            bodyEncoding: stored.encoding, verdict: inbound.verification.scheme == .none ? .unverified : .verified, deliveryId: nil,
            eventId: nil, problems: [])
        let payload: InboundPayload
        switch InboundPayload.read(body: body, headers: headers, scheme: inbound.verification.scheme) {
        case .success(let read): payload = read
        case .failure(let problem):
            try await refuse(record, problems: [FieldError(pointer: problem.pointer, problem.message)], malformed: problem.malformed)
        }
        if let challenge = payload.slackChallenge { return .challenge(challenge) }
        let organization = found.organization
        if let schema = found.eventType.schema {
            let problems = schema.validate(payload.data, at: "")
            if !problems.isEmpty { try await refuse(record, problems: problems) }
        }
        let event = Event(
            id: Identifier.make(.event, nowMillis: now), type: inbound.eventType, organizationId: organization.id,
            organizationPath: organization.path, actor: inbound.actor, data: payload.data, createdAt: now)
        record.deliveryId = payload.deliveryId
        record.eventId = event.id
        switch try await services.store.inbound.accept(record, event: event) {
        case .stored:
            return .received(Receipt(id: record.id, eventId: event.id, duplicate: false))
        case .duplicate(let first):
            return .received(Receipt(id: first.id, eventId: first.eventId, duplicate: true))
        }
    }

    /// Keeps a verified request that cannot become an event (so it can be inspected) and throws 400 (unreadable)
    /// or 422 (read, but not an object or not what the event type's schema wants).
    private func refuse(_ record: InboundRequest, problems: [FieldError], malformed: Bool = false) async throws -> Never {
        var record = record
        record.verdict = .invalid
        record.problems = problems
        _ = try await services.store.inbound.accept(record, event: nil)
        throw PatchbayError(
            malformed ? .malformed : .validation, "The request was verified and kept (\(record.id)), but its body cannot become an event.",
            errors: problems)
    }
}
