/// Runs every lint rule over a document and orders the findings by where they are.
public enum Linter {
    /// The rules, their default severity and what they check (for `--help`, docs and tests).
    public static let rules: [(name: String, severity: LintProblem.Severity, summary: String)] = [
        ("info-description", .warn, "info has a description"),
        ("operation-operationId", .warn, "every operation has an operationId"),
        ("operation-operationId-unique", .error, "operationIds are unique"),
        ("operation-description", .warn, "every operation has a description or summary"),
        ("operation-success-response", .warn, "every operation declares a 2xx or 3xx response"),
        ("path-keys-no-trailing-slash", .warn, "paths do not end with a slash"),
        ("path-params", .error, "path templates and path parameters match, and path parameters are required"),
        ("duplicate-paths", .error, "no path is declared twice, even with other parameter names"),
        ("no-ambiguous-paths", .warn, "no two paths can match one URL with neither more specific"),
        ("circular-references", .info, "reference cycles, with their path (error when no finite value satisfies one)"),
        ("resolving-references", .error, "every $ref resolves (remote and other-file references are reported, not fetched)"),
        ("no-$ref-siblings", .warn, "no keys next to $ref, which OpenAPI 3.0 and Swagger 2.0 ignore"),
        ("oas-schema-check", .error, "patterns are ECMA-262, constraints are satisfiable, types are real, defaults match"),
        ("pattern-unchecked", .warn, "patterns avoid backreferences and look-around, which the bounded-time matcher does not run"),
        ("required-fields-defined", .warn, "required properties are defined and listed once"),
        ("typed-enum", .warn, "enum values match the schema's type"),
        ("duplicated-entry-in-enum", .warn, "enum values are listed once"),
        ("oas3-api-servers", .warn, "OpenAPI 3 documents list servers with URLs"),
        ("oas2-api-host", .info, "Swagger 2.0 documents give a host"),
        ("oas2-api-schemes", .warn, "Swagger 2.0 schemes are http, https, ws or wss"),
        ("oas3-operation-security-defined", .error, "security requirements name defined schemes (OpenAPI 3)"),
        ("oas2-operation-security-defined", .error, "security requirements name defined schemes (Swagger 2.0)"),
        ("oas3-unused-component", .warn, "every component is used"),
        ("oas2-unused-definition", .warn, "every definition, parameter and response is used"),
        ("oas3-schema", .error, "the OpenAPI 3 skeleton: info, title, version, paths, responses, parameter name and in"),
        ("oas2-schema", .error, "the Swagger 2.0 skeleton: info, title, version, paths, responses, parameter name and in"),
        ("duplicate-keys", .warn, "no key appears twice in one object (the first is used)"),
    ]

    public static func lint(_ document: APIDocument, readWarnings: [SourceReadWarning] = []) -> [LintProblem] {
        // The rules read the document only, so they run side by side, in four pieces ordered so that two cores
        // finish together on the largest documents.
        let pieces: [@Sendable () -> [LintProblem]] = [
            { check(document) { CircularReferences.check(&$0) } },
            { check(document) { OperationRules.check(&$0) } },
            {
                check(document) {
                    DocumentRules.check(&$0, readWarnings: readWarnings)
                    PathRules.check(&$0)
                    SchemaRules.check(&$0)
                }
            },
            { check(document) { ReferenceRules.check(&$0) } },
        ]
        let found = SideBySide.run(pieces)
        // Joined in the order the rules ran in one piece before (document, operations, then references), so that
        // a rule two pieces report (`oas3-schema`: the document's and each operation's) keeps its order in ties.
        let problems = found[2] + found[1] + found[3] + found[0]
        var seen: Set<String> = []
        let unique = problems.filter { seen.insert($0.rule + "\u{0}" + $0.pointer + "\u{0}" + $0.message).inserted }
        // Ties keep the order their rules found them in (the pieces are joined in a fixed order), so the output does
        // not depend on which piece finished first.
        return unique.enumerated().sorted { lhs, rhs in
            (lhs.element.line ?? 0, lhs.element.column ?? 0, lhs.element.rule, lhs.offset)
                < (rhs.element.line ?? 0, rhs.element.column ?? 0, rhs.element.rule, rhs.offset)
        }.map(\.element)
    }

    private static func check(_ document: APIDocument, _ rules: (inout LintReport) -> Void) -> [LintProblem] {
        var report = LintReport(document: document)
        rules(&report)
        return report.problems
    }
}
