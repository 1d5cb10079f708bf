import Foundation
import HTTPTypes
import Hummingbird
import PatchbayCore
import PatchbayServices
import PatchbayStorage

/// `POST …/events` and `POST …/events/batch`: host events into the outbox, checked against their schemas.
struct EventPublishing {
    let dependencies: APIDependencies
    static let maxBatch = 1000

    struct EventBody: RequestBody {
        static let fields: Set<String> = ["type", "data"]
        var type: String
        var data: JSONValue
    }

    struct BatchBody: RequestBody {
        static let fields: Set<String> = ["events"]
        var events: [EventBody]
    }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("publishEvent", publish)
        router.serve("publishEventBatch", publishBatch)
    }

    @Sendable func publish(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .eventsWrite)
        let body = try await request.decode(EventBody.self, context: context)
        let outcome = try await store([body], pointerPrefix: "", request: request, organization: organization, principal: principal)
        let (events, replayed) = outcome
        guard let event = events.first else { throw PatchbayError(.internalError, "The event was not stored.") }
        return try JSONResponse.make(event, status: .accepted, headers: replayed ? [.idempotentReplayed: "true"] : [:])
    }

    @Sendable func publishBatch(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .eventsWrite)
        let body = try await request.decode(BatchBody.self, context: context)
        guard (1...Self.maxBatch).contains(body.events.count) else {
            throw PatchbayError.invalid("/events", "must hold 1 to \(Self.maxBatch) events (got \(body.events.count))")
        }
        let (events, replayed) = try await store(
            body.events, pointerPrefix: "/events", request: request, organization: organization, principal: principal)
        return try JSONResponse.make(
            ListBody(data: events, nextCursor: nil), status: .accepted, headers: replayed ? [.idempotentReplayed: "true"] : [:])
    }

    /// Validates every event (all or nothing), then stores them with the request's idempotency key.
    private func store(
        _ bodies: [EventBody],
        pointerPrefix: String,
        request: Request,
        organization: Organization,
        principal: Principal
    ) async throws -> ([Event], replayed: Bool) {
        let idempotency = try idempotencyKey(request, bodies: bodies, organizationId: organization.id)
        var types: [String: EventType?] = [:]
        var problems = FieldProblems()
        var events: [Event] = []
        let now = dependencies.clock.nowMillis
        for (index, body) in bodies.enumerated() {
            let pointer = bodies.count == 1 && pointerPrefix.isEmpty ? "" : "\(pointerPrefix)/\(index)"
            if types[body.type] == nil { types[body.type] = .some(try await dependencies.eventType(body.type)) }
            guard let type = types[body.type] ?? nil else {
                problems.add(pointer + "/type", "is not a registered event type (see GET /v1/event-types)")
                continue
            }
            if type.builtIn {
                problems.add(pointer + "/type", "is emitted by Patchbay itself and cannot be published")
                continue
            }
            guard case .object = body.data else {
                problems.add(pointer + "/data", "must be a JSON object")
                continue
            }
            if let schema = type.schema { schema.validate(body.data, at: pointer + "/data").forEach { problems.check($0) } }
            events.append(
                Event(
                    id: Identifier.make(.event, nowMillis: now),
                    type: body.type,
                    organizationId: organization.id,
                    organizationPath: organization.path,
                    actor: principal.actor,
                    data: body.data,
                    createdAt: now
                )
            )
        }
        try problems.throwIfAny()
        switch try await dependencies.store.events.publish(events, organizationId: organization.id, idempotency: idempotency) {
        case .published(let stored): return (stored, false)
        case .replayed(let first): return (first, true)
        }
    }

    private func idempotencyKey(_ request: Request, bodies: [EventBody], organizationId: String) throws -> IdempotencyKey? {
        guard let key = request.headers[.idempotencyKey] else { return nil }
        guard (1...255).contains(key.utf8.count), key.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
            throw PatchbayError.invalidParameter("Idempotency-Key", "must be 1 to 255 printable ASCII characters without spaces")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let canonical: [JSONValue] = bodies.map { ["type": .string($0.type), "data": $0.data] }
        let hash = TokenSecret.sha256Hex(String(decoding: try encoder.encode(canonical), as: UTF8.self) + request.uri.path)
        return IdempotencyKey(key: key, requestHash: hash, now: dependencies.clock.nowMillis)
    }
}

extension HTTPField.Name {
    static var idempotencyKey: Self { Self("Idempotency-Key")! }
    static var idempotentReplayed: Self { Self("Idempotent-Replayed")! }
}
