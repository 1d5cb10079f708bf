import Foundation
import HTTPTypes
import Hummingbird
import PatchbayCore
import PatchbayServices
import PatchbayStorage

/// `POST …/events` and `POST …/events/batch`: host events into the outbox, checked against their schemas.
struct EventPublishing {
    let dependencies: APIDependencies

    struct BatchBody: RequestBody {
        static let fields: Set<String> = ["events"]
        var events: [EventService.Input]
    }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("publishEvent", publish)
        router.serve("publishEventBatch", publishBatch)
    }

    @Sendable func publish(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .eventsWrite)
        let body = try await request.decode(EventService.Input.self, context: context)
        let (events, replayed) = try await dependencies.services.events.publish(
            [body], organizationId: organization.id, pointerPrefix: "", idempotencyKey: request.headers[.idempotencyKey],
            requestPath: request.uri.path, by: principal)
        guard let event = events.first else { throw PatchbayError(.internalError, "The event was not stored.") }
        return try JSONResponse.make(event, status: .accepted, headers: replayed ? [.idempotentReplayed: "true"] : [:])
    }

    @Sendable func publishBatch(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .eventsWrite)
        let body = try await request.decode(BatchBody.self, context: context)
        guard (1...EventService.maxBatch).contains(body.events.count) else {
            throw PatchbayError.invalid("/events", "must hold 1 to \(EventService.maxBatch) events (got \(body.events.count))")
        }
        let (events, replayed) = try await dependencies.services.events.publish(
            body.events, organizationId: organization.id, pointerPrefix: "/events", idempotencyKey: request.headers[.idempotencyKey],
            requestPath: request.uri.path, by: principal)
        return try JSONResponse.make(
            ListBody(data: events, nextCursor: nil), status: .accepted, headers: replayed ? [.idempotentReplayed: "true"] : [:])
    }
}

extension EventService.Input: RequestBody {
    static let fields: Set<String> = ["type", "data"]
}

extension HTTPField.Name {
    static var idempotencyKey: Self { Self("Idempotency-Key")! }
    static var idempotentReplayed: Self { Self("Idempotent-Replayed")! }
}
