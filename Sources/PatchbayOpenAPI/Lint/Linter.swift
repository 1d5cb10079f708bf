import Dispatch
import Synchronization

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
        // The reference rules take about as long as all the others together, and read the document only: the two
        // halves run side by side (the findings are sorted below, so the order they arrive in does not matter).
        let halves = Mutex<[[LintProblem]]>([[], []])
        DispatchQueue.concurrentPerform(iterations: 2) { half in
            var report = LintReport(document: document)
            if half == 0 {
                DocumentRules.check(&report, readWarnings: readWarnings)
                OperationRules.check(&report)
                PathRules.check(&report)
                SchemaRules.check(&report)
            } else {
                ReferenceRules.check(&report)
            }
            let problems = report.problems
            halves.withLock { $0[half] = problems }
        }
        let problems = halves.withLock { $0[0] + $0[1] }
        var seen: Set<String> = []
        let unique = problems.filter { seen.insert($0.rule + "\u{0}" + $0.pointer + "\u{0}" + $0.message).inserted }
        return unique.sorted { lhs, rhs in
            (lhs.line ?? 0, lhs.column ?? 0, lhs.rule) < (rhs.line ?? 0, rhs.column ?? 0, rhs.rule)
        }
    }
}
