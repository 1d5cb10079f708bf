import PatchbayCore

/// Rules about operations: identity, documentation, responses, parameters and security.
enum OperationRules {
    static func check(_ report: inout LintReport) {
        let document = report.document
        let schemaRule = document.version.isSwagger ? "oas2-schema" : "oas3-schema"
        var operationIds: [String: String] = [:]
        let schemeNames = Set(document.securitySchemes.map(\.key))
        let securityRule = document.version.isSwagger ? "oas2-operation-security-defined" : "oas3-operation-security-defined"

        checkSecurity(document.root["security"], at: "/security", names: schemeNames, rule: securityRule, report: &report)

        for operation in document.operations {
            let node = operation.node
            let label = "\(operation.method.uppercased()) \(operation.path)"
            if let id = node["operationId"]?.string, !id.isEmpty {
                if let first = operationIds[id] {
                    report.report(
                        "operation-operationId-unique", .error, at: JSONPointer.appending("operationId", to: operation.pointer),
                        node["operationId"]?.position, "operationId \"\(id)\" is already used by \(first)")
                } else {
                    operationIds[id] = label
                }
            } else {
                report.report(
                    "operation-operationId", .warn, at: operation.pointer, node.position,
                    "\(label) has no operationId; the action's name is generated from its summary or path")
            }
            if (node["description"]?.string ?? "").isEmpty && (node["summary"]?.string ?? "").isEmpty {
                report.report(
                    "operation-description", .warn, at: operation.pointer, node.position, "\(label) has neither a description nor a summary")
            }
            if let responses = node["responses"], let members = responses.members {
                let succeeds = members.contains { member in
                    let code = member.key
                    return code.hasPrefix("2") || code.hasPrefix("3")
                }
                if !succeeds {
                    report.report(
                        "operation-success-response", .warn, at: JSONPointer.appending("responses", to: operation.pointer), responses.position,
                        "\(label) declares no 2xx or 3xx response")
                }
            } else {
                report.report(schemaRule, .error, at: operation.pointer, node.position, "\(label) has no `responses`")
            }
            checkParameters(operation, report: &report, schemaRule: schemaRule)
            checkSecurity(
                node["security"], at: JSONPointer.appending("security", to: operation.pointer), names: schemeNames, rule: securityRule,
                report: &report)
        }
    }

    private static func checkSecurity(_ security: SourceNode?, at pointer: String, names: Set<String>, rule: String, report: inout LintReport) {
        for (index, requirement) in (security?.items ?? []).enumerated() {
            for member in requirement.members ?? [] where !names.contains(member.key) {
                report.report(
                    rule, .error, at: pointer + "/\(index)/" + JSONPointer.escape(member.key), member.keyPosition,
                    "security scheme \"\(member.key)\" is not defined in \(report.document.securitySchemesPointer)")
            }
        }
    }

    private static func checkParameters(_ operation: APIDocument.Operation, report: inout LintReport, schemaRule: String) {
        let references = report.document.references
        var declared: [String: (pointer: String, position: SourcePosition)] = [:]
        let sources: [(String, SourceNode?)] = [
            (JSONPointer.appending("parameters", to: operation.pathPointer), operation.pathItem["parameters"]),
            (JSONPointer.appending("parameters", to: operation.pointer), operation.node["parameters"]),
        ]
        for (listPointer, list) in sources {
            var seen: Set<String> = []
            for (index, raw) in (list?.items ?? []).enumerated() {
                let parameter = references.resolve(raw).node
                let pointer = listPointer + "/\(index)"
                guard let name = parameter["name"]?.string, let location = parameter["in"]?.string else {
                    if parameter["$ref"] == nil {
                        report.report(schemaRule, .error, at: pointer, raw.position, "parameter needs both `name` and `in`")
                    }
                    continue
                }
                if !seen.insert(location + ":" + name).inserted {
                    report.report(
                        schemaRule, .error, at: pointer, raw.position, "parameter \"\(name)\" in \(location) is declared twice in the same list")
                }
                guard location == "path" else { continue }
                if parameter["required"]?.bool != true {
                    report.report("path-params", .error, at: pointer, raw.position, "path parameter \"\(name)\" must have `required: true`")
                }
                declared[name] = (pointer, raw.position)
            }
        }
        let template = PathTemplate.parameterNames(in: operation.path)
        var templateSet: Set<String> = []
        for name in template where !templateSet.insert(name).inserted {
            report.report("path-params", .error, at: operation.pathPointer, nil, "path \(operation.path) uses {\(name)} twice")
        }
        for name in template where declared[name] == nil {
            report.report(
                "path-params", .error, at: operation.pointer, operation.node.position,
                "\(operation.method.uppercased()) \(operation.path) does not declare the path parameter \"\(name)\"")
        }
        for (name, place) in declared where !templateSet.contains(name) {
            report.report("path-params", .error, at: place.pointer, place.position, "path parameter \"\(name)\" does not appear in \(operation.path)")
        }
    }
}
