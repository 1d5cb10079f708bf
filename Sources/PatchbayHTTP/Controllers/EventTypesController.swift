import Hummingbird
import PatchbayCore
import PatchbayStorage

/// `/v1/event-types`: the catalog of built-in and host-registered event types.
struct EventTypesController {
    let dependencies: APIDependencies

    struct CreateBody: RequestBody {
        static let fields: Set<String> = ["name", "description", "schema", "example"]
        var name: String
        var description: String?
        var schema: JSONValue?
        var example: JSONValue?
    }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("listEventTypes", list)
        router.serve("getEventType", get)
        router.serve("createEventType", create)
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try context.requirePrincipal().require(.eventsRead)
        let search = request.uri.queryParameters["search"].map { String($0).lowercased() }
        let builtIn = EventCatalog.builtIn.filter { type in
            search.map { type.name.contains($0) || type.description.lowercased().contains($0) } ?? true
        }
        let types = builtIn + (try await dependencies.store.eventTypes.all(search: search))
        return try JSONResponse.list(Page(items: types.sorted { $0.name < $1.name }, nextCursor: nil), request: request)
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try context.requirePrincipal().require(.eventsRead)
        let name = context.parameters.value("name")
        guard let type = try await dependencies.eventType(name) else { throw PatchbayError.notFound("Event type \(name.prefix(100))") }
        return try JSONResponse.make(type)
    }

    @Sendable func create(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        guard try context.requirePrincipal().isAdmin else { throw PatchbayError(.forbidden, "Only admin tokens register event types.") }
        let body = try await request.decode(CreateBody.self, context: context)
        var problems = FieldProblems()
        if let reason = EventType.nameProblem(body.name) {
            problems.add("/name", reason)
        } else if EventCatalog.isReserved(body.name) {
            problems.add("/name", "is in a namespace Patchbay reserves (\(EventCatalog.reservedPrefixes.joined(separator: ", ")))")
        }
        problems.check(FieldRules.text(body.description ?? "", at: "/description", max: 2000))
        var schema: JSONSchema?
        if let document = body.schema {
            do {
                schema = try JSONSchema(document)
            } catch let error as PatchbayError {
                error.errors.forEach { problems.check($0) }
            }
        }
        if let example = body.example, let schema {
            schema.validate(example, at: "/example").forEach { problems.check($0) }
        }
        try problems.throwIfAny()
        let type = EventType(
            name: body.name,
            description: body.description ?? "",
            schema: schema,
            example: body.example,
            builtIn: false,
            createdAt: dependencies.clock.nowMillis
        )
        try await dependencies.store.eventTypes.insert(type)
        return try JSONResponse.make(type, status: .created, headers: [.location: "/v1/event-types/\(type.name)"])
    }
}

extension APIDependencies {
    /// A built-in or registered event type.
    func eventType(_ name: String) async throws -> EventType? {
        if let builtIn = EventCatalog.builtInType(name) { return builtIn }
        guard EventType.nameProblem(name) == nil else { return nil }
        return try await store.eventTypes.find(name: name)
    }
}
