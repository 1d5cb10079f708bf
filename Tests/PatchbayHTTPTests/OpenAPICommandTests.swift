import Foundation
import Testing

/// `patchbay openapi lint|convert|actions` as users run them: the real binary, files on disk, exit codes.
@Suite struct OpenAPICommandTests {
    static func write(_ files: [String: String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("patchbay-cli-\(UUID().uuidString)")
        for (name, text) in files {
            let url = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return directory.path
    }

    static let valid = """
        openapi: 3.0.3
        info: {title: Pets, version: "1", description: Pets.}
        servers: [{url: "https://pets.example.com"}]
        paths:
          /pets:
            get:
              operationId: listPets
              summary: List pets
              responses:
                "200":
                  description: ok
                  content: {application/json: {schema: {$ref: "schemas.yaml#/Pets"}}}
        """

    @Test func lintPrintsFileLineColumnAndExitsByWhatItFound() async throws {
        let directory = try Self.write([
            "valid.yaml": Self.valid,
            "schemas.yaml": "Pets: {type: array, items: {type: string}}\n",
            "errors.yaml":
                "openapi: 3.0.3\ninfo: {title: T, version: '1', description: d}\nservers: [{url: 'https://x.example'}]\npaths:\n  /a/{id}:\n    get:\n      operationId: a\n      summary: a\n      responses: {'200': {description: ok}}\n",
            "broken.yaml": "openapi: 3.0.3\ninfo: [unclosed\n",
            "notapi.json": "{\"hello\": \"world\"}",
        ])
        let valid = try await ServerProcess.runAsync(["openapi", "lint", directory + "/valid.yaml"])
        #expect(valid.status == 0, "\(valid.output)\(valid.errors)")
        #expect(valid.output.contains("OpenAPI 3.0.3, 1 operations, 0 errors"), "the reference to schemas.yaml is followed: \(valid.output)")

        let errors = try await ServerProcess.runAsync(["openapi", "lint", directory + "/errors.yaml"])
        #expect(errors.status == 1)
        #expect(
            errors.output.contains(directory + "/errors.yaml:7:7 error path-params GET /a/{id} does not declare the path parameter \"id\""),
            "\(errors.output)")

        let json = try await ServerProcess.runAsync(["openapi", "lint", "--json", directory + "/errors.yaml"])
        #expect(json.status == 1)
        let report = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        #expect(report?["valid"] as? Bool == false && report?["operations"] as? Int == 1)
        let problems = report?["problems"] as? [[String: Any]] ?? []
        #expect(
            problems.contains {
                $0["rule"] as? String == "path-params" && $0["line"] as? Int == 7 && $0["pointer"] as? String == "/paths/~1a~1{id}/get"
            })

        let broken = try await ServerProcess.runAsync(["openapi", "lint", directory + "/broken.yaml"])
        #expect(broken.status == 2)
        #expect(broken.errors.contains(directory + "/broken.yaml:3:1 error unreadable"), "\(broken.errors)")
        let notAPI = try await ServerProcess.runAsync(["openapi", "lint", directory + "/notapi.json"])
        #expect(notAPI.status == 2 && notAPI.errors.contains("not-openapi"))
        let missing = try await ServerProcess.runAsync(["openapi", "lint", directory + "/nope.yaml"])
        #expect(missing.status == 2 && missing.errors.contains("cannot read"))
        // A sparse file of 64 GiB: read only up to the limit, and refused for its size (neither memory nor time for
        // the rest).
        let huge = directory + "/huge.json"
        FileManager.default.createFile(atPath: huge, contents: Data("{".utf8))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: huge))
        try handle.truncate(atOffset: 64 << 30)
        try handle.close()
        let tooLarge = try await ServerProcess.runAsync(["openapi", "lint", huge])
        #expect(tooLarge.status == 2 && tooLarge.errors.contains("the limit is \(32 * 1024 * 1024)"), "\(tooLarge.errors)")
    }

    @Test func convertPrintsOpenAPI3AndActionsListsEveryOperation() async throws {
        let directory = try Self.write([
            "swagger.yaml": """
            swagger: "2.0"
            info: {title: T, version: "1"}
            host: api.example.com
            paths:
              /things/{id}:
                put:
                  operationId: putThing
                  parameters:
                    - {name: id, in: path, required: true, type: string}
                    - {name: body, in: body, schema: {$ref: "#/definitions/Thing"}}
                  responses: {"200": {description: ok}}
            definitions:
              Thing: {type: object, properties: {name: {type: string, x-nullable: true}}}
            """
        ])
        let converted = try await ServerProcess.runAsync(["openapi", "convert", directory + "/swagger.yaml"])
        #expect(converted.status == 0)
        let root = try JSONSerialization.jsonObject(with: Data(converted.output.utf8)) as? [String: Any]
        #expect(root?["openapi"] as? String == "3.0.3" && root?["swagger"] == nil)
        let schemas = (root?["components"] as? [String: Any])?["schemas"] as? [String: Any]
        let name = ((schemas?["Thing"] as? [String: Any])?["properties"] as? [String: Any])?["name"] as? [String: Any]
        #expect(name?["nullable"] as? Bool == true)

        let actions = try await ServerProcess.runAsync(["openapi", "actions", directory + "/swagger.yaml"])
        #expect(actions.status == 0)
        #expect(actions.output.contains("PUT /things/{id}  Put Thing"), "\(actions.output)")
        #expect(actions.output.contains("1 actions; base URL https://api.example.com"))
        let json = try await ServerProcess.runAsync(["openapi", "actions", "--json", directory + "/swagger.yaml"])
        let body = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        #expect((body?["actions"] as? [Any])?.count == 1 && (body?["api"] as? [String: Any])?["baseUrl"] as? String == "https://api.example.com")
    }
}
