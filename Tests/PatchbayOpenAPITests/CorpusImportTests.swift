import Foundation
import PatchbayTestSupport
import Testing

@testable import PatchbayOpenAPI

/// Every document of the shared corpus imports with its exact operation count, and lint finds what each file
/// really has (counts from ../shared/specs/SOURCES.md), as warnings to show rather than a wall.
@Suite struct CorpusImportTests {
    struct Expectation {
        /// Findings by rule that the file must have, at least this many.
        var atLeast: [String: Int] = [:]
        /// Findings by rule that must be exactly this many.
        var exactly: [String: Int] = [:]
    }

    static let expectations: [String: Expectation] = [
        "apisguru-bitbucket.org-2.0-swagger.yaml": Expectation(exactly: ["operation-operationId": 150, "path-keys-no-trailing-slash": 8]),
        "apisguru-shutterstock.com-1.0.16-openapi.yaml": Expectation(exactly: ["operation-operationId-unique": 2]),
        "apisguru-aws-autoscaling-plans-2018-01-06-openapi.yaml": Expectation(exactly: ["oas-schema-check": 2]),
        "apisguru-epa.gov-eff-1.0.0-swagger.yaml": Expectation(exactly: ["operation-operationId": 8]),
        "apisguru-gitea.io-1.1.1-swagger.yaml": Expectation(exactly: ["path-keys-no-trailing-slash": 1]),
        "kubernetes-swagger.json": Expectation(exactly: ["path-keys-no-trailing-slash": 64]),
        "netlify-swagger.yml": Expectation(exactly: ["path-keys-no-trailing-slash": 1]),
        "okta-openapi.json": Expectation(atLeast: ["circular-references": 1], exactly: ["operation-operationId": 3]),
        "digitalocean-public.v2.bundled.yaml": Expectation(atLeast: ["required-fields-defined": 10], exactly: ["oas-schema-check": 2]),
        "stripe-spec3-2023.yaml": Expectation(atLeast: ["circular-references": 50]),
        "box-openapi.json": Expectation(atLeast: ["required-fields-defined": 7]),
        "pagerduty-rest-openapiv3.json": Expectation(atLeast: ["required-fields-defined": 9, "circular-references": 1]),
        "jira-platform-swagger.v3.min.json": Expectation(atLeast: ["circular-references": 1, "duplicate-paths": 1]),
        "zoho-crm-v8-users.json": Expectation(atLeast: ["resolving-references": 1]),
        "github-api.github.com.json": Expectation(atLeast: ["required-fields-defined": 4, "resolving-references": 2]),
        "openai-openapi.yaml": Expectation(atLeast: ["required-fields-defined": 16]),
        "oai-v2.0-petstore.json": Expectation(exactly: ["oas-schema-check": 0, "path-params": 0, "resolving-references": 0]),
        "oai-v3.0-petstore.yaml": Expectation(exactly: ["oas-schema-check": 0, "path-params": 0, "resolving-references": 0]),
    ]

    @Test(
        .enabled(if: SpecCorpus.directory != nil, Comment(rawValue: SpecCorpus.missingReason)))
    func everyDocumentImportsWithItsExactOperationCount() async throws {
        try await exclusively {
            let directory = try #require(SpecCorpus.directory)
            let table = try String(contentsOf: directory.appendingPathComponent("sources.tsv"), encoding: .utf8)
            let rows = table.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
            #expect(rows.count == 25)
            for row in rows {
                let (name, version, operations) = (row[0], row[7], Int(row[9]))
                let bytes = Array(try Data(contentsOf: directory.appendingPathComponent(name)))
                let api = try OpenAPIImporter.importAPI(bytes)
                #expect(api.operationCount == operations, "\(name): \(api.operationCount) operations, SOURCES.md says \(row[9])")
                #expect(api.actions.count == api.operationCount)
                #expect(api.versionName == version, "\(name): \(api.versionName)")
                #expect(Set(api.actions.map { $0.name.lowercased() }).count == api.actions.count, "\(name): action names are unique")
                #expect(api.problems.allSatisfy { $0.line != nil }, "\(name): every finding has a line")
                var counts: [String: Int] = [:]
                for problem in api.problems { counts[problem.rule, default: 0] += 1 }
                if let expectation = Self.expectations[name] {
                    for (rule, minimum) in expectation.atLeast {
                        #expect(
                            counts[rule, default: 0] >= minimum, "\(name): \(rule) found \(counts[rule, default: 0]), expected at least \(minimum)")
                    }
                    for (rule, exact) in expectation.exactly {
                        #expect(counts[rule, default: 0] == exact, "\(name): \(rule) found \(counts[rule, default: 0]), expected \(exact)")
                    }
                }
                if api.version == "2.0" {
                    let converted = try APIDocument(root: api.converted)
                    let structural = StructuralValidator.problems(converted)
                    #expect(structural.isEmpty, "\(name) converts to clean OpenAPI 3.0: \(structural.prefix(5))")
                }
            }
        }
    }
}
