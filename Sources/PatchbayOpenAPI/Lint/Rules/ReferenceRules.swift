import PatchbayCore

/// Rules about references: each resolves, has no ignored siblings, cycles are shown with their path, and
/// every component is used.
enum ReferenceRules {
    static func check(_ report: inout LintReport) {
        let document = report.document
        let references = document.references
        for reference in references.references {
            // Built only for a finding: most references have none, and a large description holds tens of thousands.
            var at: String { reference.pointer + "/$ref" }
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
        var targets: Set<String> = []
        for reference in document.references.references where ReferenceResolver.kind(of: reference.target) == .local {
            targets.insert(reference.target)
        }
        for target in targets {
            var fragment = String(target.dropFirst())
            if fragment.utf8.contains(UInt8(ascii: "%")) { fragment = ReferenceResolver.percentDecoded(fragment) }
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
        /// The referenced object's pointer, and the keys from it to the `$ref`: joined only for a reported cycle.
        var base: String
        var suffix: [String]
        var position: SourcePosition
        var required: Bool

        var pointer: String { base + ReferenceResolver.pointer(suffix) }
    }

    /// Keys hashed while grouping references under their targets, at most.
    static let hashBudget = 20_000_000

    static func check(_ report: inout LintReport, hashBudget: Int = hashBudget) {
        let document = report.document
        let resolver = document.references
        let local = resolver.references.filter { ReferenceResolver.kind(of: $0.target) == .local && resolver.target(of: $0.target) != nil }
        // Each target's place as keys ("#/components/schemas/Pet" → components, schemas, Pet); the references inside
        // it are those whose own path starts with these keys, found by grouping every reference under its path's
        // prefixes of the lengths that targets have (usually one length: 3 in OpenAPI 3, 2 in Swagger).
        var targets: [String: [String]] = [:]
        for reference in local where targets[reference.target] == nil {
            let fragment = ReferenceResolver.percentDecoded(String(reference.target.dropFirst()))
            targets[reference.target] = fragment.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
                JSONPointer.unescape(String($0))
            }
        }
        let lengths = Set(targets.values.map(\.count))
        var inside: [ArraySlice<String>: [Int]] = [:]
        // Targets at many depths (a hostile document) would make this references × depths × keys: past the budget,
        // the cycles that remain unseen go unreported.
        var budget = hashBudget
        grouping: for (index, reference) in local.enumerated() {
            for length in lengths where reference.path.count >= length {
                budget -= length
                guard budget > 0 else { break grouping }
                inside[reference.path.prefix(length), default: []].append(index)
            }
        }

        var edges: [String: [Edge]] = [:]
        for (target, keys) in targets {
            guard let node = resolver.target(of: target) else { continue }
            let base = ReferenceResolver.pointer(keys)
            edges[target] = (inside[keys[...]] ?? []).map { index in
                let reference = local[index]
                let suffix = Array(reference.path.dropFirst(keys.count))
                return Edge(
                    target: reference.target, base: base, suffix: suffix, position: reference.position, required: isRequiredPath(suffix, in: node))
            }
        }

        var state: [String: Int] = [:]
        var reported: Set<String> = []
        for start in targets.keys.sorted() where state[start] == nil {
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

    /// Whether the path from a schema to a reference inside it goes only through required properties and
    /// `allOf` parts (so the referenced value must always be present).
    private static func isRequiredPath(_ tokens: [String], in schema: SourceNode) -> Bool {
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
