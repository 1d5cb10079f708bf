import PatchbayCore

/// Makes an action's schemas self-contained by replacing local `$ref`s with what they name. A reference back
/// into a schema being inlined (recursion), or one met after the size budget is spent, stays a `$ref`; the
/// schemas those name are kept, once, in `definitions`.
struct SchemaInliner {
    static let nodeBudget = 100

    let resolver: ReferenceResolver
    private(set) var definitions: [String: JSONValue] = [:]
    private var pendingDefinitions: [String] = []
    private var queued: Set<String> = []

    init(resolver: ReferenceResolver) {
        self.resolver = resolver
    }

    mutating func inline(_ node: SourceNode) -> JSONValue {
        var budget = Self.nodeBudget
        var stack: [String] = []
        let value = inline(node, stack: &stack, budget: &budget)
        resolvePendingDefinitions()
        return value
    }

    private mutating func inline(_ node: SourceNode, stack: inout [String], budget: inout Int) -> JSONValue {
        budget -= 1
        switch node.value {
        case .object(let members):
            if let reference = node["$ref"]?.string, let target = resolver.target(of: reference) {
                if stack.contains(reference) || budget <= 0 {
                    keep(reference)
                    return .object(["$ref": .string(reference)])
                }
                stack.append(reference)
                defer { stack.removeLast() }
                return inline(target, stack: &stack, budget: &budget)
            }
            var object = [String: JSONValue](minimumCapacity: members.count)
            for member in members where object[member.key] == nil {
                object[member.key] = inline(member.value, stack: &stack, budget: &budget)
            }
            return .object(object)
        case .array(let items):
            return .array(items.map { inline($0, stack: &stack, budget: &budget) })
        default:
            return node.jsonValue
        }
    }

    private mutating func keep(_ reference: String) {
        if definitions[reference] == nil && queued.insert(reference).inserted { pendingDefinitions.append(reference) }
    }

    /// Kept schemas are stored as written (their own references left as they are, and kept in turn).
    private mutating func resolvePendingDefinitions() {
        while let reference = pendingDefinitions.popLast() {
            guard definitions[reference] == nil, let target = resolver.target(of: reference) else { continue }
            definitions[reference] = target.jsonValue
            for inner in Self.references(in: target) where definitions[inner] == nil && resolver.target(of: inner) != nil {
                if queued.insert(inner).inserted { pendingDefinitions.append(inner) }
            }
        }
    }

    private static func references(in node: SourceNode) -> [String] {
        switch node.value {
        case .object(let members):
            var found: [String] = []
            if let reference = node["$ref"]?.string { found.append(reference) }
            for member in members { found += references(in: member.value) }
            return found
        case .array(let items):
            return items.flatMap(references(in:))
        default:
            return []
        }
    }
}
