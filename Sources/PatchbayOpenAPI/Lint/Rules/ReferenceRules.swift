import PatchbayCore

/// Rules about references: each resolves, has no ignored siblings, cycles are shown with their path, and
/// every component is used.
enum ReferenceRules {
    static func check(_ report: inout LintReport) {
        let document = report.document
        let references = document.references
        for reference in references.references {
            let at = reference.pointer + "/$ref"
            switch ReferenceResolver.kind(of: reference.target) {
            case .local:
                if references.target(of: reference.target) == nil {
                    report.report(
                        "resolving-references", .error, at: at, reference.position,
                        "reference \"\(reference.target)\" cannot be resolved: nothing is there")
                }
            case .remote:
                report.report(
                    "resolving-references", .warn, at: at, reference.position,
                    "reference \"\(reference.target)\" is remote; Patchbay does not fetch it, so what it describes is left open")
            case .file:
                report.report(
                    "resolving-references", .warn, at: at, reference.position,
                    "reference \"\(reference.target)\" names another file, which cannot be read here (the command line follows it)")
            }
            if !document.version.allowsReferenceSiblings {
                let ignored = reference.siblings.filter { !$0.hasPrefix("x-") }
                if !ignored.isEmpty {
                    report.report(
                        "no-$ref-siblings", .warn, at: reference.pointer, reference.position,
                        "\(ignored.map { "`\($0)`" }.joined(separator: ", ")) next to $ref \(ignored.count == 1 ? "is" : "are") ignored in \(document.displayName)"
                    )
                }
            }
        }
        CircularReferences.check(&report)
        checkUnused(&report)
    }

    private static func checkUnused(_ report: inout LintReport) {
        let document = report.document
        var used: Set<String> = []
        for reference in document.references.references where ReferenceResolver.kind(of: reference.target) == .local {
            var fragment = String(reference.target.dropFirst())
            if fragment.contains("%") { fragment = ReferenceResolver.percentDecoded(fragment) }
            let tokens = fragment.split(separator: "/", omittingEmptySubsequences: false)
            // "/components/schemas/Pet/properties/id" is a use of "/components/schemas/Pet".
            let depth = document.version.isSwagger ? 3 : 4
            used.insert(tokens.prefix(depth).joined(separator: "/"))
        }
        let groups: [(pointer: String, node: SourceNode?)]
        let rule: String
        if document.version.isSwagger {
            rule = "oas2-unused-definition"
            groups = ["definitions", "parameters", "responses"].map { ("/" + $0, document.root[$0]) }
        } else {
            rule = "oas3-unused-component"
            let components = document.root["components"]
            groups = ["schemas", "parameters", "responses", "requestBodies", "headers", "examples", "links", "callbacks", "pathItems"].map {
                ("/components/" + $0, components?[$0])
            }
        }
        for group in groups {
            for member in group.node?.members ?? [] {
                let pointer = JSONPointer.appending(member.key, to: group.pointer)
                if !used.contains(pointer) {
                    report.report(rule, .warn, at: pointer, member.keyPosition, "\(pointer.dropFirst()) is never referenced")
                }
            }
        }
        var usedSchemes: Set<String> = []
        for requirement in document.root["security"]?.items ?? [] { usedSchemes.formUnion(requirement.members?.map(\.key) ?? []) }
        for operation in document.operations {
            for requirement in operation.node["security"]?.items ?? [] { usedSchemes.formUnion(requirement.members?.map(\.key) ?? []) }
        }
        for member in document.securitySchemes where !usedSchemes.contains(member.key) {
            report.report(
                rule, .warn, at: JSONPointer.appending(member.key, to: document.securitySchemesPointer), member.keyPosition,
                "security scheme \"\(member.key)\" is never required by the document or any operation")
        }
    }
}

/// Finds reference cycles (schema A → B → A) and names each one's path. A cycle is legal in OpenAPI (a tree
/// of comments, say) and shown as information; a cycle whose every step is a required property or an
/// `allOf` part describes no finite value, and is an error.
enum CircularReferences {
    struct Edge {
        var target: String
        var pointer: String
        var position: SourcePosition
        var required: Bool
    }

    static func check(_ report: inout LintReport) {
        let document = report.document
        let resolver = document.references
        let sorted = resolver.references.filter { ReferenceResolver.kind(of: $0.target) == .local && resolver.target(of: $0.target) != nil }
            .sorted { $0.pointer < $1.pointer }
        let pointers = sorted.map(\.pointer)
        let targets = Set(sorted.map(\.target))

        var edges: [String: [Edge]] = [:]
        for target in targets {
            let base = ReferenceResolver.percentDecoded(String(target.dropFirst()))
            guard let node = resolver.target(of: target) else { continue }
            var list: [Edge] = []
            var index = lowerBound(pointers, base)
            while index < pointers.count, pointers[index].hasPrefix(base) {
                defer { index += 1 }
                guard pointers[index] == base || pointers[index].hasPrefix(base + "/") else { continue }
                let reference = sorted[index]
                let suffix = String(reference.pointer.dropFirst(base.count))
                list.append(
                    Edge(
                        target: reference.target, pointer: reference.pointer, position: reference.position, required: isRequiredPath(suffix, in: node)
                    ))
            }
            edges[target] = list
        }

        var state: [String: Int] = [:]
        var reported: Set<String> = []
        for start in targets.sorted() where state[start] == nil {
            // Iterative depth-first search: the stack holds each node and how many of its edges were followed.
            var stack: [(node: String, next: Int)] = [(start, 0)]
            var onStack: [String] = [start]
            var stackEdges: [Edge] = []
            state[start] = 1
            while let top = stack.last {
                let list = edges[top.node] ?? []
                if top.next == list.count {
                    stack.removeLast()
                    onStack.removeLast()
                    if !stackEdges.isEmpty { stackEdges.removeLast() }
                    state[top.node] = 2
                    continue
                }
                stack[stack.count - 1].next += 1
                let edge = list[top.next]
                switch state[edge.target] {
                case nil:
                    state[edge.target] = 1
                    stack.append((edge.target, 0))
                    onStack.append(edge.target)
                    stackEdges.append(edge)
                case 1:
                    guard let from = onStack.lastIndex(of: edge.target) else { continue }
                    let cycle = Array(onStack[from...])
                    let key = cycle.sorted().joined(separator: "|")
                    guard reported.insert(key).inserted, reported.count <= 500 else { continue }
                    let cycleEdges = Array(stackEdges[from...]) + [edge]
                    let infinite = cycleEdges.allSatisfy(\.required)
                    let path = (cycle + [edge.target]).joined(separator: " -> ")
                    if infinite {
                        report.report(
                            "circular-references", .error, at: edge.pointer, edge.position,
                            "circular reference that no finite value satisfies (every step is required): \(path)")
                    } else {
                        report.report("circular-references", .info, at: edge.pointer, edge.position, "circular reference: \(path)")
                    }
                default:
                    continue
                }
            }
        }
    }

    private static func lowerBound(_ array: [String], _ value: String) -> Int {
        var low = 0
        var high = array.count
        while low < high {
            let middle = (low + high) / 2
            if array[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Whether the path from a schema to a reference inside it goes only through required properties and
    /// `allOf` parts (so the referenced value must always be present).
    private static func isRequiredPath(_ suffix: String, in schema: SourceNode) -> Bool {
        let tokens = suffix.split(separator: "/").map { JSONPointer.unescape(String($0)) }
        var node = schema
        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            if token == "allOf", index + 1 < tokens.count, let next = node.node(at: "/allOf/" + tokens[index + 1]) {
                node = next
                index += 2
            } else if token == "properties", index + 1 < tokens.count, let next = node["properties"]?[tokens[index + 1]] {
                guard node["required"]?.strings.contains(tokens[index + 1]) == true else { return false }
                node = next
                index += 2
            } else {
                return false
            }
        }
        return true
    }
}
