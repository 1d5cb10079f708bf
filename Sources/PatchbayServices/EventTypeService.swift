import PatchbayCore
import PatchbayStorage

/// The catalog of event types: Patchbay's built-in ones and those the host product registers.
public struct EventTypeService: Sendable {
    let services: Services

    public struct CreateInput: Decodable, Sendable {
        public var name: String
        public var description: String?
        public var schema: JSONValue?
        public var example: JSONValue?

        public init(name: String, description: String? = nil, schema: JSONValue? = nil, example: JSONValue? = nil) {
            self.name = name
            self.description = description
            self.schema = schema
            self.example = example
        }
    }

    /// A built-in or registered event type.
    public func find(_ name: String) async throws -> EventType? {
        if let builtIn = EventCatalog.builtInType(name) { return builtIn }
        guard EventType.nameProblem(name) == nil else { return nil }
        return try await services.store.eventTypes.find(name: name)
    }

    public func get(_ name: String, by principal: Principal) async throws -> EventType {
        try principal.require(.eventsRead)
        guard let type = try await find(name) else { throw PatchbayError.notFound("Event type \(name.prefix(100))") }
        return type
    }

    /// Every type whose name or description contains `search` (lower-cased), by name.
    public func list(search: String?, by principal: Principal) async throws -> [EventType] {
        try principal.require(.eventsRead)
        let search = search?.lowercased()
        let builtIn = EventCatalog.builtIn.filter { type in
            search.map { type.name.contains($0) || type.description.lowercased().contains($0) } ?? true
        }
        return (builtIn + (try await services.store.eventTypes.all(search: search))).sorted { $0.name < $1.name }
    }

    public func create(_ input: CreateInput, by principal: Principal) async throws -> EventType {
        guard principal.isAdmin else { throw PatchbayError(.forbidden, "Only admin tokens register event types.") }
        var problems = FieldProblems()
        if let reason = EventType.nameProblem(input.name) {
            problems.add("/name", reason)
        } else if EventCatalog.isReserved(input.name) {
            problems.add("/name", "is in a namespace Patchbay reserves (\(EventCatalog.reservedPrefixes.joined(separator: ", ")))")
        }
        problems.check(FieldRules.text(input.description ?? "", at: "/description", max: 2000))
        var schema: JSONSchema?
        if let document = input.schema {
            do {
                schema = try JSONSchema(document)
            } catch let error as PatchbayError {
                error.errors.forEach { problems.check($0) }
            }
        }
        if let example = input.example, let schema {
            schema.validate(example, at: "/example").forEach { problems.check($0) }
        }
        try problems.throwIfAny()
        let type = EventType(
            name: input.name,
            description: input.description ?? "",
            schema: schema,
            example: input.example,
            builtIn: false,
            createdAt: services.clock.nowMillis
        )
        try await services.store.eventTypes.insert(type)
        return type
    }
}
