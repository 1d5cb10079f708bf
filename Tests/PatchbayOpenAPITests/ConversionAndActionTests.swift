import Foundation
import PatchbayCore
import PatchbayTestSupport
import Testing

@testable import PatchbayOpenAPI

@Suite struct ConversionAndActionTests {
    static let swagger = """
        swagger: "2.0"
        info: {title: Photos, version: "1", description: Photo API}
        host: api.example.com
        basePath: /v2
        schemes: [https, http]
        consumes: [application/json]
        produces: [application/json]
        securityDefinitions:
          key: {type: apiKey, in: header, name: X-Api-Key}
          oauth: {type: oauth2, flow: accessCode, authorizationUrl: "https://example.com/auth", tokenUrl: "https://example.com/token", scopes: {read: Read, write: Write}}
          app: {type: oauth2, flow: application, tokenUrl: "https://example.com/token", scopes: {}}
        security:
          - key: []
        parameters:
          limit: {name: limit, in: query, type: integer, default: 25, maximum: 100}
          photoBody: {name: body, in: body, required: true, schema: {$ref: "#/definitions/Photo"}}
        responses:
          NotFound: {description: missing, schema: {$ref: "#/definitions/Error"}}
        paths:
          /photos:
            get:
              operationId: listPhotoRecords
              parameters:
                - $ref: "#/parameters/limit"
                - {name: offset, in: query, type: integer}
                - {name: tags, in: query, type: array, items: {type: string}, collectionFormat: multi}
                - {name: ids, in: query, type: array, items: {type: string}, collectionFormat: ssv}
              responses:
                "200": {description: ok, schema: {type: object, properties: {items: {type: array, items: {$ref: "#/definitions/Photo"}}}}}
            post:
              summary: upload a photo
              consumes: [multipart/form-data]
              schemes: [https]
              parameters:
                - {name: file, in: formData, type: file, required: true}
                - {name: caption, in: formData, type: string}
              responses:
                "201": {description: created, schema: {$ref: "#/definitions/Photo"}}
          /photos/{id}:
            parameters:
              - {name: id, in: path, required: true, type: string}
            put:
              parameters:
                - $ref: "#/parameters/photoBody"
              responses:
                "200": {description: ok, schema: {$ref: "#/definitions/Photo"}}
                "404": {$ref: "#/responses/NotFound"}
            patch:
              consumes: [application/x-www-form-urlencoded]
              parameters:
                - {name: caption, in: formData, type: string, x-nullable: true}
              responses:
                "200": {description: ok}
        definitions:
          Photo:
            type: object
            discriminator: kind
            required: [id]
            properties:
              id: {type: string}
              kind: {type: string}
              width: {type: integer, x-nullable: true}
              owner: {$ref: "#/definitions/Photo"}
          Error: {type: object, properties: {message: {type: string}}}
        """

    static func imported(_ text: String) throws -> ImportedAPI {
        try OpenAPIImporter.importAPI(Array(text.utf8))
    }

    @Test func swaggerConvertsByTheSwagger2OpenAPIRules() throws {
        let api = try Self.imported(Self.swagger)
        let root = api.converted
        #expect(root["openapi"]?.string == "3.0.3" && root["swagger"] == nil)
        #expect(root["servers"]?.items?.compactMap { $0["url"]?.string } == ["https://api.example.com/v2", "http://api.example.com/v2"])
        #expect(root.node(at: "/components/schemas/Photo/properties/width/nullable")?.bool == true)
        #expect(root.node(at: "/components/schemas/Photo/properties/width/x-nullable") == nil)
        #expect(root.node(at: "/components/schemas/Photo/discriminator/propertyName")?.string == "kind")
        #expect(root.node(at: "/components/schemas/Photo/properties/owner/$ref")?.string == "#/components/schemas/Photo")
        #expect(root.node(at: "/components/parameters/limit/schema/maximum")?.value == .number("100"))
        #expect(root.node(at: "/components/requestBodies/photoBody/content/application~1json/schema/$ref")?.string == "#/components/schemas/Photo")
        #expect(root.node(at: "/components/responses/NotFound/content/application~1json/schema/$ref")?.string == "#/components/schemas/Error")
        #expect(root.node(at: "/components/securitySchemes/oauth/flows/authorizationCode/tokenUrl")?.string == "https://example.com/token")
        #expect(root.node(at: "/components/securitySchemes/app/flows/clientCredentials") != nil)
        let list = try #require(root.node(at: "/paths/~1photos/get"))
        #expect(list.node(at: "/parameters/0/$ref")?.string == "#/components/parameters/limit")
        #expect(list.node(at: "/parameters/2/style")?.string == "form" && list.node(at: "/parameters/2/explode")?.bool == true)
        #expect(list.node(at: "/parameters/3/style")?.string == "spaceDelimited")
        #expect(list.node(at: "/responses/200/content/application~1json/schema/properties/items/type")?.string == "array")
        let upload = try #require(root.node(at: "/paths/~1photos/post"))
        let multipart = try #require(upload.node(at: "/requestBody/content/multipart~1form-data/schema"))
        #expect(multipart.node(at: "/properties/file/format")?.string == "binary" && multipart.node(at: "/properties/file/type")?.string == "string")
        #expect(multipart["required"]?.strings == ["file"])
        #expect(upload["servers"]?.items?.first?["url"]?.string == "https://api.example.com/v2", "operation-level schemes become servers")
        #expect(upload["parameters"] == nil && upload["consumes"] == nil)
        let put = try #require(root.node(at: "/paths/~1photos~1{id}/put"))
        #expect(put.node(at: "/requestBody/$ref")?.string == "#/components/requestBodies/photoBody")
        #expect(put.node(at: "/responses/404/$ref")?.string == "#/components/responses/NotFound")
        #expect(
            root.node(at: "/paths/~1photos~1{id}/patch/requestBody/content/application~1x-www-form-urlencoded/schema/properties/caption/nullable")?
                .bool == true)
        // The converted document is itself a clean OpenAPI 3.0 document: every reference resolves.
        let converted = try APIDocument(root: root)
        #expect(StructuralValidator.problems(converted) == [])
        #expect(Linter.lint(converted).filter { $0.rule == "resolving-references" } == [])
    }

    @Test func actionsHaveReadableUniqueNamesAndTheirRequestShape() throws {
        let api = try Self.imported(Self.swagger)
        #expect(api.actions.map(\.name) == ["List Photo Records", "Upload a photo", "Put Photos", "Patch Photos"])
        let list = api.actions[0]
        #expect(list.method == "GET" && list.path == "/photos" && list.paginated)
        #expect(list.parameters.map(\.name) == ["limit", "offset", "tags", "ids"])
        #expect(list.parameters[0].schema == .object(["type": .string("integer"), "default": .int(25), "maximum": .int(100)]))
        #expect(list.parameters[2].style == "form" && list.parameters[2].explode == true)
        let put = api.actions[2]
        #expect(put.parameters.map(\.name) == ["id"] && put.parameters[0].required && put.parameters[0].location == .path)
        let body = try #require(put.requestBody)
        #expect(body.required && body.content.keys.sorted() == ["application/json"])
        guard case .object(let photo)? = body.content["application/json"] else { throw CancellationError() }
        #expect(photo["type"] == .string("object"))
        #expect(photo["properties"]?["owner"] == .object(["$ref": .string("#/components/schemas/Photo")]), "recursion stays a reference")
        #expect(api.definitions["#/components/schemas/Photo"] != nil, "and what it names is kept")
        #expect(api.actions[1].requestBody?.content.keys.sorted() == ["multipart/form-data"])
        #expect(ActionNaming.uniqued(["List Pets", "list pets", "List Pets"]) == ["List Pets", "list pets 2", "List Pets 3"])
        #expect(ActionNaming.humanize("repos/get-content") == "Repos Get Content")
        #expect(ActionNaming.humanize("listHTTPRoutes") == "List HTTP Routes")
        #expect(ActionNaming.humanize("GetAccountsAccount") == "Get Accounts Account")
        #expect(ActionNaming.name(operationId: nil, summary: nil, method: "get", path: "/photo/{id}/records") == "Get Photo Records")
    }

    /// Schemas inline up to a budget; what lies beyond stays a reference, and what it names is kept once.
    @Test func largeSchemasInlineUpToTheBudgetAndKeepTheRestAsDefinitions() throws {
        var schemas = ""
        for level in 0..<60 {
            schemas +=
                "    L\(level): {type: object, properties: {a: {type: string}, b: {type: integer}, next: {$ref: '#/components/schemas/L\(level + 1)'}}}\n"
        }
        schemas += "    L60: {type: string}\n"
        let document = """
            openapi: 3.0.3
            info: {title: T, version: "1"}
            paths:
              /deep:
                post:
                  requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/L0"}}}}
                  responses: {"200": {description: ok}}
            components:
              schemas:

            """
        let api = try Self.imported(document + schemas)
        guard case .object(var node)? = api.actions.first?.requestBody?.content["application/json"] else { throw CancellationError() }
        var depth = 0
        while case .object(let properties)? = node["properties"], case .object(let next)? = properties["next"], next["$ref"] == nil {
            node = next
            depth += 1
        }
        #expect(depth > 5 && depth < 60, "inlined \(depth) levels before the budget ran out")
        let kept = try #require(node["properties"]?["next"]?["$ref"]?.stringValue)
        #expect(api.definitions[kept] != nil)
        #expect(api.definitions["#/components/schemas/L60"] != nil, "and what that one references, transitively")
    }

    @Test func hintsSuggestBaseURLAuthAndPagination() throws {
        let api = try Self.imported(Self.swagger)
        #expect(api.settings.baseUrl == "https://api.example.com/v2")
        #expect(api.settings.auth.type == .apiKey && api.settings.auth.headerName == "X-Api-Key" && api.settings.auth.in == "header")
        let pagination = api.settings.pagination
        #expect(pagination.type == .index && pagination.indexParam == "offset" && pagination.pageSizeParam == "limit")
        #expect(pagination.defaultPageSize == 25 && pagination.resultsKey == "items" && pagination.pageLimit == 20)

        let bearer = try Self.imported(
            """
            openapi: 3.1.0
            info: {title: T, version: "1"}
            servers: [{url: "https://{region}.example.com/api/", variables: {region: {default: eu}}}]
            components:
              securitySchemes:
                oauth:
                  type: oauth2
                  flows:
                    clientCredentials: {tokenUrl: "https://example.com/oauth/token", scopes: {"read:all": r}}
                bearer: {type: http, scheme: bearer}
            security: [{bearer: []}]
            paths:
              /users:
                get:
                  parameters:
                    - {name: cursor, in: query, schema: {type: string}}
                    - {name: limit, in: query, schema: {type: integer, maximum: 5000}}
                  responses:
                    "200":
                      description: ok
                      content:
                        application/json:
                          schema:
                            type: object
                            properties:
                              data: {type: array, items: {type: object}}
                              meta: {type: object, properties: {next_cursor: {type: string}}}
              /teams:
                get:
                  parameters: [{name: page, in: query, schema: {type: integer}}]
                  responses:
                    "200":
                      description: ok
                      headers: {Link: {schema: {type: string}}}
                      content: {application/json: {schema: {type: array, items: {type: object}}}}
              /orgs:
                get:
                  parameters: [{name: starting_after, in: query, schema: {type: string}}]
                  responses:
                    "200":
                      description: ok
                      content: {application/json: {schema: {type: object, properties: {data: {type: array}, has_more: {type: boolean}}}}}
            """
        )
        #expect(bearer.settings.baseUrl == "https://eu.example.com/api")
        #expect(
            bearer.settings.auth.type == .apiKey && bearer.settings.auth.preamble == "Bearer" && bearer.settings.auth.headerName == "Authorization")
        #expect(bearer.actions.map(\.paginated) == [true, true, true])
        #expect(bearer.settings.pagination.type == .pointer)
        #expect(["$.meta.next_cursor", "$.data[-1].id"].contains(bearer.settings.pagination.pointerPath ?? ""))
        #expect(bearer.settings.pagination.defaultPageSize == 1000, "page size is capped at 1000")
        #expect(bearer.actions.map(\.name) == ["Get Users", "Get Teams", "Get Orgs"], "names from method and path without operationId or summary")
    }

    @Test func externalFileReferencesAreFollowedForTheCommandLineOnly() throws {
        let files: [String: String] = [
            "api/main.yaml": """
            openapi: 3.0.3
            info: {title: T, version: "1", description: d}
            servers: [{url: "https://example.com"}]
            paths:
              /pets:
                get:
                  operationId: listPets
                  summary: s
                  responses:
                    "200":
                      description: ok
                      content: {application/json: {schema: {$ref: "../common/pet.yaml#/Pet"}}}
                    "404":
                      description: gone
                      content: {application/json: {schema: {$ref: "missing.yaml#/Error"}}}
            """,
            "common/pet.yaml": """
            Pet:
              type: object
              properties:
                tag: {$ref: "#/Tag"}
                loop: {$ref: "pet.yaml#/Pet"}
            Tag: {type: string}
            """,
        ]
        let (_, document, problems) = try OpenAPIImporter.readFile("api/main.yaml") { path in
            guard let text = files[path] else { throw CocoaError(.fileNoSuchFile) }
            return Array(text.utf8)
        }
        let schema = try #require(document.root.node(at: "/paths/~1pets/get/responses/200/content/application~1json/schema"))
        #expect(schema.node(at: "/properties/tag/type")?.string == "string", "a local reference inside the other file resolves there")
        #expect(schema.node(at: "/properties/loop/$ref") != nil, "a cycle across files stays a reference")
        #expect(problems.contains { $0.rule == "resolving-references" && $0.message.contains("missing.yaml") && $0.line == 15 })
        #expect(problems.contains { $0.rule == "circular-references" })
        // The server reads no files: the same reference is reported, not followed.
        let serverSide = try OpenAPIImporter.lint(Array(files["api/main.yaml"]!.utf8)).problems
        #expect(serverSide.contains { $0.rule == "resolving-references" && $0.message.contains("another file") })
    }

    @Test func referencesThatDoubleAtEveryFileStopAtTheBudget() throws {
        // level0 refers to level1 twice, level1 to level2 twice, …: 2^30 copies if each were inlined anew.
        let main = #"{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{"S":{"$ref":"l1.json"}}}}"#
        let started = ContinuousClock.now
        let (_, _, problems) = try OpenAPIImporter.readFile("main.json") { path in
            if path == "main.json" { return Array(main.utf8) }
            guard path.hasPrefix("l"), let level = Int(path.dropFirst().dropLast(5)) else { throw CocoaError(.fileNoSuchFile) }
            let next = "l\(level + 1).json"
            return Array((level >= 30 ? #"{"type":"string"}"# : #"{"allOf":[{"$ref":"\#(next)"},{"$ref":"\#(next)"}]}"#).utf8)
        }
        #expect(problems.contains { $0.rule == "resolving-references" && $0.message.contains("expand beyond 250000 nodes") }, "\(problems)")
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func documentsThatYieldNothingFailWithOneProblem() {
        let cases: [(String, String)] = [
            ("just a string", "not-openapi"),
            ("{\"info\": {}}", "not-openapi"),
            ("swagger: '1.2'\n", "not-openapi"),
            ("openapi: 4.0.0\n", "not-openapi"),
            ("a: [1, 2\n", "unreadable"),
        ]
        for (text, rule) in cases {
            do {
                _ = try OpenAPIImporter.importAPI(Array(text.utf8))
                Issue.record("\(text) imported")
            } catch {
                #expect(error.problem.rule == rule && error.problem.line != nil, "\(text): \(error.problem)")
            }
        }
    }
}

/// An independent structural check of OpenAPI 3.0 output: what a converter must never leave behind.
enum StructuralValidator {
    static func problems(_ document: APIDocument) -> [String] {
        var problems: [String] = []
        let root = document.root
        if root["openapi"]?.string?.hasPrefix("3.0") != true { problems.append("openapi is not 3.0.x") }
        for key in ["swagger", "definitions", "securityDefinitions", "host", "basePath", "schemes", "consumes", "produces"] where root[key] != nil {
            problems.append("top-level \(key) remains")
        }
        for reference in document.references.references where ReferenceResolver.kind(of: reference.target) == .local {
            if document.references.target(of: reference.target) == nil {
                problems.append("\(reference.pointer): \(reference.target) does not resolve")
            }
            if reference.target.hasPrefix("#/definitions/") || reference.target.hasPrefix("#/parameters/")
                || reference.target.hasPrefix("#/responses/")
            {
                problems.append("\(reference.pointer): Swagger reference \(reference.target) remains")
            }
        }
        for operation in document.operations {
            for key in ["consumes", "produces", "schemes"] where operation.node[key] != nil {
                problems.append("\(operation.pointer): \(key) remains")
            }
            for (index, raw) in ((operation.node["parameters"]?.items ?? []) + (operation.pathItem["parameters"]?.items ?? [])).enumerated() {
                let parameter = document.references.resolve(raw).node
                let location = parameter["in"]?.string ?? ""
                if !["path", "query", "header", "cookie"].contains(location) {
                    problems.append("\(operation.pointer)/parameters/\(index): in \(location)")
                }
                if parameter["schema"] == nil && parameter["content"] == nil {
                    problems.append("\(operation.pointer)/parameters/\(index): no schema")
                }
                if parameter["type"] != nil { problems.append("\(operation.pointer)/parameters/\(index): type outside schema") }
            }
            if let body = operation.node["requestBody"].map({ document.references.resolve($0).node }), (body["content"]?.members ?? []).isEmpty {
                problems.append("\(operation.pointer)/requestBody: no content")
            }
            for response in operation.node["responses"]?.members ?? [] {
                let resolved = document.references.resolve(response.value).node
                if resolved["description"] == nil { problems.append("\(operation.pointer)/responses/\(response.key): no description") }
                if resolved["schema"] != nil { problems.append("\(operation.pointer)/responses/\(response.key): schema outside content") }
            }
        }
        return problems
    }
}

/// Hostile documents get an answer within a bounded time, never a crash.
@Suite struct HostileDocumentTests {
    static func timed(_ text: String) -> (outcome: String, seconds: Double) {
        let clock = ContinuousClock()
        let start = clock.now
        let outcome: String
        do {
            let api = try OpenAPIImporter.importAPI(Array(text.utf8))
            outcome =
                "imported \(api.operationCount) operations, \(api.problems.count) findings: "
                + api.problems.filter { $0.severity == .info }.map(\.message).prefix(3).joined(separator: "; ")
        } catch {
            outcome = "refused: \(error.problem.rule) \(error.problem.message)"
        }
        let elapsed = clock.now - start
        return (outcome, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    static let header = "openapi: 3.0.3\ninfo: {title: T, version: '1'}\n"

    @Test func manyPathsSchemasAndEnumEntriesStayBounded() async throws {
        try await exclusively {
            // Ten thousand paths of one shape: the ambiguity check is capped rather than quadratic.
            var paths = Self.header + "paths:\n"
            for index in 0..<10_000 { paths += "  /a\(index)/{x}/b:\n    get: {responses: {'200': {description: ok}}}\n" }
            let manyPaths = Self.timed(paths)
            #expect(manyPaths.outcome.hasPrefix("imported 10000 operations"), "\(manyPaths.outcome)")
            #expect(manyPaths.outcome.contains("too many paths to compare every pair"), "the cut is reported")
            #expect(manyPaths.seconds < 60)

            // Twenty thousand schemas, each referring to the next: resolution is indexed, not a scan per reference.
            var schemas = Self.header + "paths: {}\ncomponents:\n  schemas:\n"
            for index in 0..<20_000 { schemas += "    S\(index): {type: object, properties: {next: {$ref: '#/components/schemas/S\(index + 1)'}}}\n" }
            schemas += "    S20000: {type: string}\n"
            let manySchemas = Self.timed(schemas)
            #expect(manySchemas.outcome.hasPrefix("imported 0 operations"), "\(manySchemas.outcome)")
            #expect(manySchemas.seconds < 60)

            // A 100,000-entry enum with repeats.
            let values = (0..<100_000).map { "v\($0 % 50_000)" }.joined(separator: ", ")
            let enumDocument = Self.header + "paths: {}\ncomponents:\n  schemas:\n    Big: {type: string, enum: [\(values)]}\n"
            let bigEnum = Self.timed(enumDocument)
            #expect(bigEnum.outcome.contains("imported"), "\(bigEnum.outcome)")
            #expect(bigEnum.seconds < 60)
        }
    }

    @Test func refusedDocumentsSayWhy() {
        let cases = [
            "\u{0}\u{1}\u{2}binary",
            Self.header + "paths:\n  /a:\n    get: {responses: {'200': {description: [unterminated",
            String(repeating: "[", count: 1000),
            "a: &a [1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                + "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                + "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
        ]
        for text in cases {
            let result = Self.timed(text)
            #expect(result.outcome.hasPrefix("refused: unreadable"), "\(result.outcome)")
            #expect(result.seconds < 5)
        }
        let nested =
            Self.header + "paths: {}\ncomponents:\n  schemas:\n    Deep: " + String(repeating: "{type: object, properties: {a: ", count: 100)
            + "{type: string}" + String(repeating: "}}", count: 100) + "\n"
        #expect(Self.timed(nested).outcome.hasPrefix("imported"), "a hundred levels of nesting are fine")
    }
}
