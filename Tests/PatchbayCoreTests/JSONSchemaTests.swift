import Testing

@testable import PatchbayCore

@Suite struct JSONSchemaTests {
    static let thread: JSONValue = [
        "type": "object",
        "required": ["title", "author"],
        "additionalProperties": false,
        "properties": [
            "title": ["type": "string", "minLength": 1, "maxLength": 20],
            "author": ["type": "object", "required": ["email"], "properties": ["email": ["type": "string", "format": "email"]]],
            "tags": ["type": "array", "maxItems": 2, "items": ["type": "string", "enum": ["bug", "idea"]]],
            "score": ["type": "integer", "minimum": 0, "maximum": 10],
            "ratio": ["type": "number", "exclusiveMaximum": 1],
            "createdAt": ["type": "string", "format": "date-time"],
            "code": ["type": ["string", "null"], "pattern": "^[A-Z]{3}$"],
        ],
    ]

    static let author: JSONValue = ["email": "a@example.com"]
    static let validationCases: [(JSONValue, [String])] = [
        (["title": "Hi", "author": author] as JSONValue, [String]()),
        (["title": "", "author": author] as JSONValue, ["/data/title"]),
        (["author": author] as JSONValue, ["/data/title"]),
        (["title": 5, "author": author] as JSONValue, ["/data/title"]),
        (["title": "Hi", "author": ["email": "not-an-email"]] as JSONValue, ["/data/author/email"]),
        (["title": "Hi", "author": [:]] as JSONValue, ["/data/author/email"]),
        (["title": "Hi", "author": author, "tags": ["bug", "feature"]] as JSONValue, ["/data/tags/1"]),
        (["title": "Hi", "author": author, "tags": ["bug", "bug", "idea"]] as JSONValue, ["/data/tags"]),
        (["title": "Hi", "author": author, "score": 11] as JSONValue, ["/data/score"]),
        (["title": "Hi", "author": author, "score": 2.5] as JSONValue, ["/data/score"]),
        (["title": "Hi", "author": author, "score": 3.0] as JSONValue, []),
        (["title": "Hi", "author": author, "ratio": 1] as JSONValue, ["/data/ratio"]),
        (["title": "Hi", "author": author, "createdAt": "yesterday"] as JSONValue, ["/data/createdAt"]),
        (["title": "Hi", "author": author, "code": nil] as JSONValue, []),
        (["title": "Hi", "author": author, "code": "abc"] as JSONValue, ["/data/code"]),
        (["title": "Hi", "author": author, "extra": true] as JSONValue, ["/data/extra"]),
        (["title": ["nested"], "author": "x"] as JSONValue, ["/data/author", "/data/title"]),
    ]

    @Test(arguments: validationCases)
    func validatesWithPointers(data: JSONValue, pointers: [String]) throws {
        let schema = try JSONSchema(Self.thread)
        #expect(schema.validate(data).compactMap(\.pointer).sorted() == pointers)
    }

    static let schemaCases: [(JSONValue, String)] = [
        (["type": "strnig"] as JSONValue, "/schema/type"),
        (["oneOf": [["type": "string"]]] as JSONValue, "/schema/oneOf"),
        (["$ref": "#/definitions/x"] as JSONValue, "/schema/$ref"),
        (
            ["properties": ["a": ["type": "object", "properties": ["b": ["minLength": -1]]]]] as JSONValue,
            "/schema/properties/a/properties/b/minLength"
        ),
        (["required": "title"] as JSONValue, "/schema/required"),
        (["format": "credit-card"] as JSONValue, "/schema/format"),
        (["pattern": "(unclosed"] as JSONValue, "/schema/pattern"),
        (["enum": []] as JSONValue, "/schema/enum"),
        ("not a schema" as JSONValue, "/schema"),
    ]

    @Test(arguments: schemaCases)
    func refusesSchemasOutsideTheSubset(document: JSONValue, pointer: String) throws {
        let error = try #require(throws: PatchbayError.self) { try JSONSchema(document) }
        #expect(error.errors.first?.pointer == pointer)
    }

    @Test func refusesAbsurdNesting() {
        var document: JSONValue = ["type": "string"]
        for _ in 0..<40 { document = ["type": "array", "items": document] }
        #expect(throws: PatchbayError.self) { try JSONSchema(document) }
    }

    @Test func generatedExamplesSatisfyTheirSchemas() throws {
        let schema = try JSONSchema(Self.thread)
        let example = ExampleGenerator.example(for: Self.thread)
        #expect(schema.validate(example) == [])
        for type in EventCatalog.builtIn {
            let typeSchema = try #require(type.schema, "\(type.name)")
            #expect(typeSchema.validate(type.example) == [], "\(type.name)")
        }
    }

    @Test(arguments: [
        ("thread.created", true), ("a.b", true), ("billing.invoice-paid_v2", true), ("thread", false), ("Thread.Created", false),
        ("thread..created", false), (".thread", false), ("thread.créé", false), ("thread created", false),
    ])
    func eventTypeNames(name: String, valid: Bool) {
        #expect((EventType.nameProblem(name) == nil) == valid)
    }
}
