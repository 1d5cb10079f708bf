import Testing

@testable import PatchbayOpenAPI

/// Every rule has a document that breaks it and one that keeps it.
@Suite struct LintRuleTests {
    static func problems(_ text: String) throws -> [LintProblem] {
        try OpenAPIImporter.lint(Array(text.utf8)).problems
    }

    /// A clean OpenAPI 3.0 document; `operation` and `components` are spliced in (indented to fit).
    static func document(paths: String = "", components: String = "", top: String = "") -> String {
        """
        openapi: 3.0.3
        info:
          title: Test
          version: "1"
          description: A test API.
        servers:
          - url: https://api.example.com/v1
        \(top)
        paths:
        \(paths.isEmpty ? Self.defaultPaths : paths)
        components:
          schemas:
            Pet:
              type: object
              properties:
                id: {type: integer}
        \(components)
        """
    }

    static let defaultPaths = """
          /pets:
            get:
              operationId: listPets
              summary: List pets
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema:
                        type: array
                        items: {$ref: "#/components/schemas/Pet"}
        """

    static func operation(_ body: String) -> String { operation("/pets", body) }

    static func operation(_ path: String, method: String = "get", _ body: String) -> String {
        "  \(path):\n    \(method):\n" + body.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n")
    }

    static let okResponse = """
        responses:
          "200": {description: ok}
        """

    struct Case: CustomTestStringConvertible, Sendable {
        var rule: String
        var failing: String
        var passing: String
        var testDescription: String { rule }
    }

    static let cases: [Case] = [
        Case(
            rule: "info-description",
            failing: document().replacingOccurrences(of: "  description: A test API.\n", with: ""),
            passing: document()
        ),
        Case(
            rule: "operation-operationId",
            failing: document(paths: operation("summary: List\n" + okResponse) + "\n" + Self.petRef),
            passing: document()
        ),
        Case(
            rule: "operation-operationId-unique",
            failing: document(
                paths: operation("operationId: a\nsummary: x\n" + okResponse) + "\n"
                    + operation("/other", "operationId: a\nsummary: y\n" + okResponse) + "\n" + Self.petRef),
            passing: document(
                paths: operation("operationId: a\nsummary: x\n" + okResponse) + "\n"
                    + operation("/other", "operationId: b\nsummary: y\n" + okResponse) + "\n" + Self.petRef)
        ),
        Case(
            rule: "operation-description",
            failing: document(paths: operation("operationId: a\n" + okResponse) + "\n" + Self.petRef),
            passing: document(paths: operation("operationId: a\ndescription: Lists.\n" + okResponse) + "\n" + Self.petRef)
        ),
        Case(
            rule: "operation-success-response",
            failing: document(paths: operation("operationId: a\nsummary: x\nresponses:\n  \"404\": {description: no}") + "\n" + Self.petRef),
            passing: document(paths: operation("operationId: a\nsummary: x\nresponses:\n  \"302\": {description: moved}") + "\n" + Self.petRef)
        ),
        Case(
            rule: "path-keys-no-trailing-slash",
            failing: document(paths: operation("/things/", "operationId: a\nsummary: x\n" + okResponse) + "\n" + Self.petRef),
            passing: document(paths: operation("/things", "operationId: a\nsummary: x\n" + okResponse) + "\n" + Self.petRef)
        ),
        Case(
            rule: "path-params",
            failing: document(paths: operation("/pets/{id}", "operationId: a\nsummary: x\n" + okResponse) + "\n" + Self.petRef),
            passing: document(
                paths: operation(
                    "/pets/{id}",
                    "operationId: a\nsummary: x\nparameters:\n  - {name: id, in: path, required: true, schema: {type: string}}\n" + okResponse) + "\n"
                    + Self.petRef)
        ),
        Case(
            rule: "duplicate-paths",
            failing: document(
                paths: operation(
                    "/pets/{id}",
                    "operationId: a\nsummary: x\nparameters:\n  - {name: id, in: path, required: true, schema: {type: string}}\n" + okResponse) + "\n"
                    + operation(
                        "/pets/{petId}", method: "put",
                        "operationId: b\nsummary: x\nparameters:\n  - {name: petId, in: path, required: true, schema: {type: string}}\n" + okResponse)
                    + "\n" + Self.petRef),
            passing: document(
                paths: operation(
                    "/pets/{id}",
                    "operationId: a\nsummary: x\nparameters:\n  - {name: id, in: path, required: true, schema: {type: string}}\n" + okResponse) + "\n"
                    + Self.petRef)
        ),
        Case(
            rule: "no-ambiguous-paths",
            failing: document(
                paths: operation(
                    "/{a}/b",
                    "operationId: a\nsummary: x\nparameters:\n  - {name: a, in: path, required: true, schema: {type: string}}\n" + okResponse) + "\n"
                    + operation(
                        "/a/{b}",
                        "operationId: b\nsummary: x\nparameters:\n  - {name: b, in: path, required: true, schema: {type: string}}\n" + okResponse)
                    + "\n" + Self.petRef),
            passing: document(
                paths: operation("/a/b", "operationId: a\nsummary: x\n" + okResponse) + "\n"
                    + operation(
                        "/a/{b}",
                        "operationId: b\nsummary: x\nparameters:\n  - {name: b, in: path, required: true, schema: {type: string}}\n" + okResponse)
                    + "\n" + Self.petRef)
        ),
        Case(
            rule: "circular-references",
            failing: document(
                components: "    Node:\n      type: object\n      properties:\n        child: {$ref: \"#/components/schemas/Node\"}\n" + Self.nodeUse),
            passing: document(
                components: "    Node:\n      type: object\n      properties:\n        child: {$ref: \"#/components/schemas/Pet\"}\n" + Self.nodeUse)
        ),
        Case(
            rule: "resolving-references",
            failing: document(components: "    Broken:\n      $ref: \"#/components/schemas/Missing\"\n" + Self.brokenUse),
            passing: document(components: "    Broken:\n      $ref: \"#/components/schemas/Pet\"\n" + Self.brokenUse)
        ),
        Case(
            rule: "no-$ref-siblings",
            failing: document(components: "    Other:\n      $ref: \"#/components/schemas/Pet\"\n      description: ignored\n" + Self.otherUse),
            passing: document(components: "    Other:\n      $ref: \"#/components/schemas/Pet\"\n" + Self.otherUse)
        ),
        Case(
            rule: "oas-schema-check",
            failing: document(components: "    Code:\n      type: string\n      pattern: \"(?i)^[a-z]+$\"\n" + Self.codeUse),
            passing: document(components: "    Code:\n      type: string\n      pattern: \"^[a-zA-Z]+$\"\n" + Self.codeUse)
        ),
        Case(
            rule: "pattern-unchecked",
            failing: document(components: "    Code:\n      type: string\n      pattern: \"^(?=.*[A-Z]).{8,}$\"\n" + Self.codeUse),
            passing: document(components: "    Code:\n      type: string\n      pattern: \"^[A-Z].{7,}$\"\n" + Self.codeUse)
        ),
        Case(
            rule: "required-fields-defined",
            failing: document(
                components: "    Thing:\n      type: object\n      required: [name]\n      properties:\n        id: {type: string}\n" + Self.thingUse),
            passing: document(
                components: "    Thing:\n      type: object\n      required: [id]\n      properties:\n        id: {type: string}\n" + Self.thingUse)
        ),
        Case(
            rule: "typed-enum",
            failing: document(components: "    Size:\n      type: integer\n      enum: [1, 2, large]\n" + Self.sizeUse),
            passing: document(components: "    Size:\n      type: integer\n      enum: [1, 2, 3]\n" + Self.sizeUse)
        ),
        Case(
            rule: "duplicated-entry-in-enum",
            failing: document(components: "    Size:\n      type: string\n      enum: [s, m, s]\n" + Self.sizeUse),
            passing: document(components: "    Size:\n      type: string\n      enum: [s, m, l]\n" + Self.sizeUse)
        ),
        Case(
            rule: "oas3-api-servers",
            failing: document().replacingOccurrences(of: "servers:\n  - url: https://api.example.com/v1\n", with: ""),
            passing: document()
        ),
        Case(
            rule: "oas3-operation-security-defined",
            failing: document(top: "security:\n  - missing: []"),
            passing: document(components: "  securitySchemes:\n    key: {type: apiKey, in: header, name: X-Key}", top: "security:\n  - key: []")
        ),
        Case(
            rule: "oas3-unused-component",
            failing: document(components: "    Unused: {type: string}"),
            passing: document()
        ),
        Case(
            rule: "oas3-schema",
            failing: document(paths: operation("operationId: a\nsummary: x") + "\n" + Self.petRef),
            passing: document()
        ),
        Case(
            rule: "duplicate-keys",
            failing: document(components: "    Size: {type: string}\n    Size: {type: integer}\n" + Self.sizeUse),
            passing: document(components: "    Size: {type: string}\n" + Self.sizeUse)
        ),
    ]

    /// Keeps `Pet` referenced when a case replaces the default paths.
    static let petRef = operation(
        "/pet",
        "operationId: getPet\nsummary: Pet\nresponses:\n  \"200\":\n    description: ok\n    content:\n      application/json:\n        schema: {$ref: \"#/components/schemas/Pet\"}"
    )
    static func use(_ name: String) -> String { "    Use\(name):\n      type: array\n      items: {$ref: \"#/components/schemas/\(name)\"}\n" }
    static let nodeUse = use("Node")
    static let brokenUse = use("Broken")
    static let otherUse = use("Other")
    static let codeUse = use("Code")
    static let thingUse = use("Thing")
    static let sizeUse = use("Size")

    /// OpenAPI 3 cases and their Swagger 2.0 forms, one test each.
    @Test(arguments: cases + SwaggerLintRuleTests.cases)
    func ruleFiresOnlyOnTheFailingDocument(_ testCase: Case) throws {
        let failing = try Self.problems(testCase.failing)
        let passing = try Self.problems(testCase.passing)
        let fired = failing.filter { $0.rule == testCase.rule }
        #expect(!fired.isEmpty, "\(testCase.rule) should fire; found \(failing.map(\.rule))")
        #expect(fired.allSatisfy { $0.line != nil && !$0.message.isEmpty }, "each finding has a line and a message")
        #expect(
            !passing.contains { $0.rule == testCase.rule },
            "\(testCase.rule) fired on the passing document: \(passing.filter { $0.rule == testCase.rule })")
        #expect(Linter.rules.contains { $0.name == testCase.rule }, "the rule is in the catalogue")
    }

    @Test func theCleanDocumentHasNoFindingsAtAll() throws {
        #expect(try Self.problems(Self.document()) == [])
    }

    /// Grouping references under their targets stops at its hash budget (a hostile document with targets at every
    /// depth would otherwise cost references × depths × keys); past it, cycles go unreported rather than the lint hang.
    @Test func cycleSearchStopsAtItsBudget() throws {
        let text = Self.document(
            components:
                "    A:\n      type: object\n      properties:\n        b: {$ref: \"#/components/schemas/B\"}\n    B:\n      type: object\n      properties:\n        a: {$ref: \"#/components/schemas/A\"}\n"
                + Self.use("A"))
        let document = try OpenAPIImporter.read(Array(text.utf8)).1
        var full = LintReport(document: document)
        CircularReferences.check(&full)
        #expect(full.problems.contains { $0.rule == "circular-references" })
        var starved = LintReport(document: document)
        CircularReferences.check(&starved, hashBudget: 1)
        #expect(!starved.problems.contains { $0.rule == "circular-references" })
    }

    @Test func circularReferencesNameTheirPathAndImpossibleOnesAreErrors() throws {
        let optional = try Self.problems(
            Self.document(
                components:
                    "    A:\n      type: object\n      properties:\n        b: {$ref: \"#/components/schemas/B\"}\n    B:\n      type: object\n      properties:\n        a: {$ref: \"#/components/schemas/A\"}\n"
                    + Self.use("A")))
        let cycle = try #require(optional.first { $0.rule == "circular-references" })
        #expect(cycle.severity == .info)
        #expect(cycle.message.contains("#/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A"), "\(cycle.message)")
        let required = try Self.problems(
            Self.document(
                components:
                    "    A:\n      type: object\n      required: [self]\n      properties:\n        self: {$ref: \"#/components/schemas/A\"}\n"
                    + Self.use("A")))
        #expect(required.first { $0.rule == "circular-references" }?.severity == .error)
    }

    @Test func everyCataloguedRuleHasAFailingAndAPassingDocument() {
        let covered = Set((Self.cases + SwaggerLintRuleTests.cases).map(\.rule))
        #expect(Set(Linter.rules.map(\.name)).subtracting(covered) == [])
    }

    @Test func regexCheckerAcceptsJavaScriptAndRefusesJavaAndPCRE() {
        let valid = [
            "^[a-z]+$", "^\\d{3}-\\d{4}$", "(?<year>\\d{4})-\\k<year>", "^(?=.*[A-Z])(?!.*\\s).{8,}$", "(?<=@)\\w+", "[\\-\\]]",
            "^\\p{L}+$", "a{2,}?", "\\u00e9|\\u{1F600}", "^$|^\\S+@\\S+$", "[^\\/]+", "\\/",
        ]
        for pattern in valid { #expect(ECMARegexChecker.problem(in: pattern) == nil, "\(pattern): \(ECMARegexChecker.problem(in: pattern) ?? "")") }
        let invalid = [
            "(?i)abc", "a++", "(?>a)", "[\\p{Print}&&[^|]]+", "\\p{Print}", "(abc", "abc)", "[a-", "[z-a]", "a{3,1}", "*a", "\\:", "a{", "\\",
            "(?<n>a)(?<n>b)", "\\k<nope>", "(a)\\2",
        ]
        for pattern in invalid { #expect(ECMARegexChecker.problem(in: pattern) != nil, "\(pattern) should be refused") }
    }

    @Test func problemsCarryPointersAndLines() throws {
        let problems = try Self.problems(Self.document(components: "    Size:\n      type: string\n      enum: [s, s]\n" + Self.sizeUse))
        let duplicate = try #require(problems.first { $0.rule == "duplicated-entry-in-enum" })
        #expect(duplicate.pointer == "/components/schemas/Size/enum/1")
        let text = Self.document(components: "    Size:\n      type: string\n      enum: [s, s]\n" + Self.sizeUse)
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("enum: [s, s]") }! + 1
        #expect(duplicate.line == line && duplicate.column == 17)
    }
}

/// The Swagger 2.0 forms of the rules, each with a failing and a passing document.
@Suite struct SwaggerLintRuleTests {
    static func document(top: String = "", paths: String? = nil, definitions: String = "") -> String {
        """
        swagger: "2.0"
        info: {title: T, version: "1", description: d}
        host: api.example.com
        schemes: [https]
        \(top)
        paths:
        \(paths ?? "  /a:\n    get:\n      operationId: a\n      summary: a\n      responses:\n        '200': {description: ok, schema: {$ref: '#/definitions/A'}}")
        definitions:
          A: {type: string}
        \(definitions)
        """
    }

    static let cases: [LintRuleTests.Case] = [
        LintRuleTests.Case(
            rule: "oas2-api-host", failing: document().replacingOccurrences(of: "host: api.example.com\n", with: ""), passing: document()),
        LintRuleTests.Case(
            rule: "oas2-api-schemes", failing: document().replacingOccurrences(of: "schemes: [https]", with: "schemes: [ftp]"), passing: document()),
        LintRuleTests.Case(
            rule: "oas2-operation-security-defined", failing: document(top: "security: [{key: []}]"),
            passing: document(top: "security: [{key: []}]\nsecurityDefinitions: {key: {type: apiKey, in: header, name: X-Key}}")),
        LintRuleTests.Case(rule: "oas2-unused-definition", failing: document(definitions: "  Unused: {type: string}"), passing: document()),
        LintRuleTests.Case(
            rule: "oas2-schema", failing: document(paths: "  /a:\n    get:\n      operationId: a\n      summary: a"),
            passing: document()),
        LintRuleTests.Case(
            rule: "no-$ref-siblings",
            failing: document(definitions: "  B: {$ref: '#/definitions/A', description: x}\n  C: {type: array, items: {$ref: '#/definitions/B'}}"),
            passing: document(definitions: "  B: {$ref: '#/definitions/A'}\n  C: {type: array, items: {$ref: '#/definitions/B'}}")),
    ]

    @Test func theCleanSwaggerDocumentHasNoFindings() throws {
        #expect(try LintRuleTests.problems(Self.document()) == [])
    }
}
