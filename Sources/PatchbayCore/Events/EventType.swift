/// A kind of event: its name, what it means, the schema its `data` must satisfy, and an example payload.
public struct EventType: Sendable, Equatable {
    public var name: String
    public var description: String
    public var schema: JSONSchema?
    public var example: JSONValue
    /// Built-in types are emitted by Patchbay itself and cannot be published through the API.
    public var builtIn: Bool
    public var createdAt: Int64?

    public init(name: String, description: String, schema: JSONSchema?, example: JSONValue?, builtIn: Bool, createdAt: Int64?) {
        self.name = name
        self.description = description
        self.schema = schema
        self.example = example ?? schema.map { ExampleGenerator.example(for: $0.document) } ?? .object([:])
        self.builtIn = builtIn
        self.createdAt = createdAt
    }

    /// Why `name` cannot name an event type, or nil: lower-case `group.action` segments of letters, digits, `_` or `-`.
    public static func nameProblem(_ name: String) -> String? {
        guard (3...100).contains(name.count) else { return "must be 3 to 100 characters" }
        let segments = name.split(separator: ".", omittingEmptySubsequences: false)
        let valid =
            segments.count >= 2
            && segments.allSatisfy { segment in
                guard let first = segment.first, first.isASCII, first.isLetter || first.isNumber else { return false }
                return segment.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_" || $0 == "-") }
            }
        return valid ? nil : "must look like thread.created: lower-case segments (letters, digits, _ or -) joined by dots"
    }
}

extension EventType: Encodable {
    enum CodingKeys: String, CodingKey { case name, description, schema, example, builtIn, createdAt }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(description, forKey: .description)
        try container.encode(schema?.document, forKey: .schema)
        try container.encode(example, forKey: .example)
        try container.encode(builtIn, forKey: .builtIn)
        try container.encode(createdAt.map(Timestamp.format), forKey: .createdAt)
    }
}
