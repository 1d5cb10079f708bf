import Testing

@testable import PatchbayCore

/// Schemas from imported documents are compiled once, with references as edges: a self-referential schema costs a
/// few nodes (it used to be expanded again on every run, doubling per level), and validation follows the value.
@Suite struct CompiledSchemaTests {
    /// A binary tree: each node refers to itself twice, as GitHub's and Stripe's nested objects do.
    static let definitions: [String: JSONValue] = [
        "#/components/schemas/Node": [
            "type": "object", "required": ["value"],
            "properties": [
                "value": ["type": "integer", "minimum": 0],
                "left": ["$ref": "#/components/schemas/Node"],
                "right": ["$ref": "#/components/schemas/Node"],
                "tags": ["type": "array", "items": ["$ref": "#/components/schemas/Tag"]],
            ],
        ],
        "#/components/schemas/Tag": ["allOf": [["$ref": "#/components/schemas/Named"], ["type": "object", "required": ["id"]]]],
        "#/components/schemas/Named": ["type": "object", "required": ["name"], "properties": ["name": ["type": "string", "maxLength": 5]]],
    ]

    static func tree(depth: Int, bad: Bool) -> JSONValue {
        guard depth > 0 else { return ["value": bad ? -1 : 1] }
        return ["value": 1, "left": tree(depth: depth - 1, bad: false), "right": tree(depth: depth - 1, bad: bad)]
    }

    @Test func aSelfReferentialSchemaCompilesToAFewNodes() {
        let schema = CompiledSchema(["$ref": "#/components/schemas/Node"], definitions: Self.definitions)
        #expect(schema.nodeCount < 12, "\(schema.nodeCount) nodes")
    }

    @Test func deepValuesAreCheckedAllTheWayDown() {
        let schema = CompiledSchema(["$ref": "#/components/schemas/Node"], definitions: Self.definitions)
        #expect(schema.problems(Self.tree(depth: 12, bad: false)).isEmpty)
        let problems = schema.problems(Self.tree(depth: 12, bad: true), at: "/body")
        #expect(problems.map(\.pointer) == ["/body" + String(repeating: "/right", count: 12) + "/value"])
        #expect(problems.first?.message == "must be at least 0")
    }

    @Test func allOfMergesReferencedPartsAndReferencesResolveOnce() {
        let schema = CompiledSchema(["$ref": "#/components/schemas/Node"], definitions: Self.definitions)
        let problems = schema.problems(["value": 1, "tags": [["name": "toolong"], ["id": 1, "name": "ok"]]])
        #expect(Set(problems.compactMap(\.pointer)) == ["/tags/0/id", "/tags/0/name"])
    }

    @Test func aReferenceCycleWithoutContentAcceptsEverything() {
        let cycle: [String: JSONValue] = ["#/a": ["$ref": "#/b"], "#/b": ["$ref": "#/a"], "#/c": ["allOf": [["$ref": "#/c"]]]]
        #expect(CompiledSchema(["$ref": "#/a"], definitions: cycle).problems(["anything": [1, 2]]).isEmpty)
        #expect(CompiledSchema(["$ref": "#/c"], definitions: cycle).problems("x").isEmpty)
        #expect(CompiledSchema(["$ref": "#/missing"], definitions: cycle).problems("x").isEmpty)
    }

    @Test func aLongChainOfReferencesStopsAtTheDepthLimit() {
        // Longer than any stack would follow: past the limit the rest is accepted unchecked, not compiled.
        var chain: [String: JSONValue] = [:]
        for index in 0..<20_000 {
            chain["#/d\(index)"] = ["type": "object", "properties": ["next": ["$ref": .string("#/d\(index + 1)")]]]
        }
        let schema = CompiledSchema(["$ref": "#/d0"], definitions: chain)
        #expect(schema.nodeCount <= 2 * CompiledSchema.maximumDepth + 2)
        #expect(schema.problems(["next": ["next": 5]]).map(\.pointer) == ["/next/next"])
    }

    @Test func compilationStopsAtTheNodeBudget() {
        // Wide rather than deep: 300 properties, each with 100 distinct definitions below it.
        var definitions: [String: JSONValue] = [:]
        var properties: [String: JSONValue] = [:]
        for group in 0..<300 {
            var inner: [String: JSONValue] = [:]
            for index in 0..<100 {
                definitions["#/g\(group)/\(index)"] = ["type": "string", "maxLength": 3]
                inner["p\(index)"] = ["$ref": .string("#/g\(group)/\(index)")]
            }
            properties["g\(group)"] = ["type": "object", "properties": .object(inner)]
        }
        let schema = CompiledSchema(["type": "object", "properties": .object(properties)], definitions: definitions)
        #expect(schema.nodeCount <= CompiledSchema.maximumNodes + 1)
        #expect(schema.problems(["g0": ["p0": "toolong"]]).map(\.pointer) == ["/g0/p0"])
    }

    @Test func nullableAddsNullToTypeAndEnum() {
        let schema = CompiledSchema(["type": "string", "enum": ["a"], "nullable": true])
        #expect(schema.problems(.null).isEmpty)
        #expect(schema.problems("b").count == 1)
    }
}
