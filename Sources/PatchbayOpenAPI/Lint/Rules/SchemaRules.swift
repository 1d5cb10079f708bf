import PatchbayCore

/// Rules about schemas: compilable patterns, satisfiable constraints, enums that match their type, and
/// required properties that exist.
enum SchemaRules {
    private static let knownTypes: Set<String> = ["string", "number", "integer", "boolean", "array", "object", "null", "file"]

    static func check(_ report: inout LintReport) {
        let document = report.document
        // Checked as they are visited: keeping the visits would keep each one's path alive and make the walker
        // copy its path at every step.
        SchemaWalker.walk(document) { visit in
            let schema = visit.node
            if let pattern = schema["pattern"] {
                if let text = pattern.string {
                    if let problem = ECMARegexChecker.problem(in: text) {
                        report.report(
                            "oas-schema-check", .error, at: visit.pointer + "/pattern", pattern.position,
                            "pattern \(quoted(text)) is not an ECMA-262 regular expression: \(problem)")
                    } else {
                        do throws(PatternError) {
                            _ = try PatternCache.pattern(text)
                        } catch {
                            report.report(
                                "pattern-unchecked", .warn, at: visit.pointer + "/pattern", pattern.position,
                                "pattern \(quoted(text)) will not be checked when actions run: \(error.message) (patterns run in bounded time)")
                        }
                    }
                } else {
                    report.report("oas-schema-check", .error, at: visit.pointer + "/pattern", pattern.position, "pattern must be a string")
                }
            }
            checkBounds(schema, visit: visit, report: &report)
            checkType(schema, visit: visit, report: &report)
            checkEnum(schema, visit: visit, report: &report)
            checkRequired(schema, visit: visit, report: &report)
        }
    }

    private static func quoted(_ text: String) -> String {
        text.count > 80 ? "\"\(text.prefix(77))...\"" : "\"\(text)\""
    }

    private static func checkBounds(_ schema: SourceNode, visit: SchemaWalker.Visit, report: inout LintReport) {
        let pairs = [("minimum", "maximum"), ("minLength", "maxLength"), ("minItems", "maxItems"), ("minProperties", "maxProperties")]
        for (lowKey, highKey) in pairs {
            if let low = schema[lowKey]?.number, let high = schema[highKey]?.number, low > high {
                report.report(
                    "oas-schema-check", .error, at: visit.pointer + "/" + lowKey, schema[lowKey]?.position,
                    "\(lowKey) \(format(low)) is greater than \(highKey) \(format(high)): no value can satisfy both")
            }
        }
        for key in ["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"] {
            guard let node = schema[key] else { continue }
            if let value = node.number, value >= 0, value == value.rounded() { continue }
            report.report("oas-schema-check", .error, at: visit.pointer + "/" + key, node.position, "\(key) must be a non-negative integer")
        }
        if let node = schema["multipleOf"], (node.number ?? 0) <= 0 {
            report.report("oas-schema-check", .error, at: visit.pointer + "/multipleOf", node.position, "multipleOf must be a number greater than 0")
        }
        if let minimum = schema["exclusiveMinimum"]?.number, let maximum = schema["exclusiveMaximum"]?.number, minimum >= maximum {
            report.report(
                "oas-schema-check", .error, at: visit.pointer + "/exclusiveMinimum", schema["exclusiveMinimum"]?.position,
                "exclusiveMinimum \(format(minimum)) leaves no room below exclusiveMaximum \(format(maximum))")
        }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// The schema's declared types (`type: string` or, in 3.1, `type: [string, "null"]`).
    static func types(of schema: SourceNode) -> [String]? {
        guard let type = schema["type"] else { return nil }
        if let text = type.string { return [text] }
        return type.items?.compactMap(\.string)
    }

    private static func checkType(_ schema: SourceNode, visit: SchemaWalker.Visit, report: inout LintReport) {
        guard let type = schema["type"] else { return }
        let names = types(of: schema) ?? []
        if names.isEmpty || type.string == nil && type.items == nil {
            report.report("oas-schema-check", .error, at: visit.pointer + "/type", type.position, "type must be a type name or a list of them")
            return
        }
        for name in names where !knownTypes.contains(name) {
            report.report(
                "oas-schema-check", .error, at: visit.pointer + "/type", type.position,
                "\"\(name)\" is not a JSON Schema type (string, number, integer, boolean, array, object, null)")
        }
        if let defaultNode = schema["default"],
            !matches(defaultNode, types: names, nullable: schema["nullable"]?.bool == true || schema["x-nullable"]?.bool == true)
        {
            report.report(
                "oas-schema-check", .warn, at: visit.pointer + "/default", defaultNode.position,
                "default \(describe(defaultNode)) is not of type \(names.joined(separator: " or "))")
        }
    }

    static func matches(_ node: SourceNode, types: [String], nullable: Bool) -> Bool {
        let actual = node.typeName
        if actual == "null" { return nullable || types.contains("null") }
        if types.contains(actual) { return true }
        if actual == "integer" && types.contains("number") { return true }
        if actual == "number", types.contains("integer"), let value = node.number, value == value.rounded() { return true }
        if types.contains("file") && actual == "string" { return true }
        return false
    }

    private static func describe(_ node: SourceNode) -> String {
        switch node.value {
        case .string(let text): quoted(text)
        case .number(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        case .array: "(an array)"
        case .object: "(an object)"
        }
    }

    private static func checkEnum(_ schema: SourceNode, visit: SchemaWalker.Visit, report: inout LintReport) {
        guard let enumNode = schema["enum"] else { return }
        guard let values = enumNode.items else {
            report.report("oas-schema-check", .error, at: visit.pointer + "/enum", enumNode.position, "enum must be a list")
            return
        }
        let names = types(of: schema)
        let nullable = schema["nullable"]?.bool == true || schema["x-nullable"]?.bool == true
        var seen: Set<String> = []
        for (index, value) in values.enumerated() {
            let key = SourceNodeWriter.json(value, pretty: false)
            if !seen.insert(key).inserted {
                report.report(
                    "duplicated-entry-in-enum", .warn, at: visit.pointer + "/enum/\(index)", value.position,
                    "enum lists \(describe(value)) more than once")
            }
            if let names, !names.isEmpty, !matches(value, types: names, nullable: nullable) {
                report.report(
                    "typed-enum", .warn, at: visit.pointer + "/enum/\(index)", value.position,
                    "enum value \(describe(value)) is not of type \(names.joined(separator: " or "))")
            }
        }
    }

    private static func checkRequired(_ schema: SourceNode, visit: SchemaWalker.Visit, report: inout LintReport) {
        guard let required = schema["required"] else { return }
        guard let entries = required.items else {
            // Swagger 2.0 parameters and OpenAPI 3 parameters use a boolean `required`.
            if visit.isParameterLike || required.bool != nil { return }
            report.report("oas-schema-check", .error, at: visit.pointer + "/required", required.position, "required must be a list of property names")
            return
        }
        let properties = schema["properties"]?.members.map { Set($0.map(\.key)) }
        // Properties may come from allOf parts or be allowed by additionalProperties: only a closed, flat
        // schema can be checked.
        let composed = schema["allOf"] != nil || schema["anyOf"] != nil || schema["oneOf"] != nil || schema["$ref"] != nil
        var seen: Set<String> = []
        for (index, entry) in entries.enumerated() {
            guard let name = entry.string else {
                report.report(
                    "oas-schema-check", .error, at: visit.pointer + "/required/\(index)", entry.position, "required entries must be property names")
                continue
            }
            if !seen.insert(name).inserted {
                report.report(
                    "required-fields-defined", .warn, at: visit.pointer + "/required/\(index)", entry.position,
                    "required lists \"\(name)\" more than once")
            } else if let properties, !composed, !properties.contains(name) {
                report.report(
                    "required-fields-defined", .warn, at: visit.pointer + "/required/\(index)", entry.position,
                    "required property \"\(name)\" is not defined in properties")
            }
        }
    }
}
