import Foundation
import Hummingbird
import PatchbayCore
import PatchbayStorage

/// `POST /in/{token}`: what providers post to. A request is verified on its raw bytes, then stored with its event
/// (and the deliveries the event fans out to) in one transaction before the 200; a refused one is only counted.
struct InboundReceiver {
    let dependencies: APIDependencies
    let lookup: InboundLookup
    /// `--inbound-rate-limit`, per endpoint; nil when off.
    let limiter: RateLimiter?

    /// What the provider hears back.
    struct Receipt: Encodable {
        var id: String
        var eventId: String?
        var duplicate: Bool
    }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("receiveInbound", receive)
    }

    @Sendable func receive(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let token = context.parameters.value("token")
        guard InboundWebhook.isWellFormedToken(token), let found = try await lookup.find(token: token, dependencies: dependencies) else {
            throw PatchbayError.notFound("Inbound endpoint")
        }
        guard let limiter else { return try await receive(request, found: found, context: context) }
        let decision = limiter.take(found.inbound.id, now: dependencies.clock.nowMillis)
        return try await RateLimitHeaders.apply(decision, instance: request.uri.path) {
            try await receive(request, found: found, context: context)
        }
    }

    private func receive(_ request: Request, found: InboundLookup.Entry, context: PatchbayRequestContext) async throws -> Response {
        let inbound = found.inbound
        let body = Array(buffer: try await request.collectBody(context: context))
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
        }
        let now = dependencies.clock.nowMillis
        if let refusal = inbound.verification.verify(headers: headers, body: body, now: now / 1000) {
            try await dependencies.store.inbound.reject(id: inbound.id, reason: refusal.rawValue, at: now)
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
            return try await refuse(record, problems: [FieldError(pointer: problem.pointer, problem.message)], malformed: problem.malformed)
        }
        if let challenge = payload.slackChallenge { return try JSONResponse.make(["challenge": challenge]) }
        let organization = found.organization
        if let schema = found.eventType.schema {
            let problems = schema.validate(payload.data, at: "")
            if !problems.isEmpty { return try await refuse(record, problems: problems) }
        }
        let event = Event(
            id: Identifier.make(.event, nowMillis: now), type: inbound.eventType, organizationId: organization.id,
            organizationPath: organization.path, actor: inbound.actor, data: payload.data, createdAt: now)
        record.deliveryId = payload.deliveryId
        record.eventId = event.id
        switch try await dependencies.store.inbound.accept(record, event: event) {
        case .stored:
            return try JSONResponse.make(Receipt(id: record.id, eventId: event.id, duplicate: false))
        case .duplicate(let first):
            return try JSONResponse.make(Receipt(id: first.id, eventId: first.eventId, duplicate: true))
        }
    }

    /// Keeps a verified request that cannot become an event (so it can be inspected) and answers 400 (unreadable)
    /// or 422 (read, but not an object or not what the event type's schema wants).
    private func refuse(_ record: InboundRequest, problems: [FieldError], malformed: Bool = false) async throws -> Response {
        var record = record
        record.verdict = .invalid
        record.problems = problems
        _ = try await dependencies.store.inbound.accept(record, event: nil)
        throw PatchbayError(
            malformed ? .malformed : .validation, "The request was verified and kept (\(record.id)), but its body cannot become an event.",
            errors: problems)
    }
}
