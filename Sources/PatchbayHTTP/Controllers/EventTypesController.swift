import Hummingbird
import PatchbayCore
import PatchbayServices

/// `/v1/event-types`: the catalog of built-in and host-registered event types.
struct EventTypesController {
    let dependencies: APIDependencies

    private var eventTypes: EventTypeService { dependencies.services.eventTypes }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("listEventTypes", list)
        router.serve("getEventType", get)
        router.serve("createEventType", create)
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let types = try await eventTypes.list(search: request.uri.queryParameters["search"].map(String.init), by: try context.requirePrincipal())
        return try JSONResponse.list(Page(items: types, nextCursor: nil), request: request)
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try JSONResponse.make(try await eventTypes.get(context.parameters.value("name"), by: try context.requirePrincipal()))
    }

    @Sendable func create(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard principal.isAdmin else { throw PatchbayError(.forbidden, "Only admin tokens register event types.") }
        let type = try await eventTypes.create(try await request.decode(EventTypeService.CreateInput.self, context: context), by: principal)
        return try JSONResponse.make(type, status: .created, headers: [.location: "/v1/event-types/\(type.name)"])
    }
}

extension EventTypeService.CreateInput: RequestBody {
    static let fields: Set<String> = ["name", "description", "schema", "example"]
}

extension APIDependencies {
    /// A built-in or registered event type.
    func eventType(_ name: String) async throws -> EventType? { try await services.eventTypes.find(name) }
}
