import PatchbayCore

/// Rules about references: each resolves, has no ignored siblings, and every component is used. (Cycles are
/// `CircularReferences`, which the linter runs beside these.)
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
    /// A reference inside a target: to which target it leads, and whether reaching it is required.
    struct Edge {
        /// The target it leads to, by number.
        var target: Int
        /// The reference, by its index among the local references.
        var reference: Int
        var required: Bool
    }

    /// Keys hashed while grouping references under their targets, at most.
    static let hashBudget = 20_000_000

    static func check(_ report: inout LintReport, hashBudget: Int = hashBudget) {
        let document = report.document
        let resolver = document.references
        let local = resolver.references.filter { ReferenceResolver.kind(of: $0.target) == .local && resolver.target(of: $0.target) != nil }
        // Targets are numbered (the search below works on numbers, not strings). Each target's place as keys
        // ("#/components/schemas/Pet" → components, schemas, Pet); the references inside it are those whose own
        // path starts with these keys.
        var numbers: [String: Int] = [:]
        var names: [String] = []
        var keys: [[String]] = []
        var leadsTo: [Int] = []
        leadsTo.reserveCapacity(local.count)
        for reference in local {
            if let number = numbers[reference.target] {
                leadsTo.append(number)
                continue
            }
            let fragment = ReferenceResolver.percentDecoded(String(reference.target.dropFirst()))
            numbers[reference.target] = names.count
            leadsTo.append(names.count)
            names.append(reference.target)
            keys.append(fragment.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { JSONPointer.unescape(String($0)) })
        }
        // Usually one target per place; two spellings of one place ("%62" and "b") are two targets there.
        var byKeys: [ArraySlice<String>: [Int]] = [:]
        for (number, path) in keys.enumerated() { byKeys[path[...], default: []].append(number) }
        let lengths = Set(keys.map(\.count)).sorted()
        let nodes = names.map { resolver.target(of: $0) }

        // A reference's path is looked up by its prefixes of the lengths targets have (usually one: 3 in OpenAPI 3,
        // 2 in Swagger). Targets at many depths (a hostile document) would make this references × depths × keys:
        // past the budget, the cycles that remain unseen go unreported.
        var edges = [[Edge]](repeating: [], count: names.count)
        var budget = hashBudget
        grouping: for (index, reference) in local.enumerated() {
            for length in lengths where reference.path.count >= length {
                budget -= length
                guard budget > 0 else { break grouping }
                for owner in byKeys[reference.path.prefix(length)] ?? [] {
                    guard let node = nodes[owner] else { continue }
                    edges[owner].append(
                        Edge(target: leadsTo[index], reference: index, required: isRequiredPath(reference.path.dropFirst(length), in: node)))
                }
            }
        }

        var state = [UInt8](repeating: 0, count: names.count)
        var reported: Set<String> = []
        let order = numbers.sorted { $0.key < $1.key }.map(\.value)
        for start in order where state[start] == 0 {
            // Iterative depth-first search: the stack holds each node and how many of its edges were followed.
            var stack: [(node: Int, next: Int)] = [(start, 0)]
            var onStack: [Int] = [start]
            var stackEdges: [Edge] = []
            state[start] = 1
            while let top = stack.last {
                let list = edges[top.node]
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
                case 0:
                    state[edge.target] = 1
                    stack.append((edge.target, 0))
                    onStack.append(edge.target)
                    stackEdges.append(edge)
                case 1:
                    guard let from = onStack.lastIndex(of: edge.target) else { continue }
                    let cycle = onStack[from...].map { names[$0] }
                    let key = cycle.sorted().joined(separator: "|")
                    guard reported.insert(key).inserted, reported.count <= 500 else { continue }
                    let infinite = (stackEdges[from...] + [edge]).allSatisfy(\.required)
                    let path = (cycle + [names[edge.target]]).joined(separator: " -> ")
                    // The `$ref` that closes the cycle: its object's pointer, then the keys from there to it.
                    let reference = local[edge.reference]
                    let owner = keys[top.node]
                    let pointer = ReferenceResolver.pointer(owner) + ReferenceResolver.pointer(reference.path.dropFirst(owner.count))
                    if infinite {
                        report.report(
                            "circular-references", .error, at: pointer, reference.position,
                            "circular reference that no finite value satisfies (every step is required): \(path)")
                    } else {
                        report.report("circular-references", .info, at: pointer, reference.position, "circular reference: \(path)")
                    }
                default:
                    continue
                }
            }
        }
    }

    /// Whether the path from a schema to a reference inside it goes only through required properties and
    /// `allOf` parts (so the referenced value must always be present).
    private static func isRequiredPath(_ tokens: ArraySlice<String>, in schema: SourceNode) -> Bool {
        var node = schema
        var index = tokens.startIndex
        while index < tokens.endIndex {
            let token = tokens[index]
            if token == "allOf", index + 1 < tokens.endIndex, let next = node.node(at: "/allOf/" + tokens[index + 1]) {
                node = next
                index += 2
            } else if token == "properties", index + 1 < tokens.endIndex, let next = node["properties"]?[tokens[index + 1]] {
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
