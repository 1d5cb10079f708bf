/// A schema compiled once into a graph of nodes, for validating many values. `$ref`s are resolved once each and
/// become edges (so a self-referential schema is a cycle, not an expansion), `allOf` is merged, OpenAPI 3.0's
/// `nullable` becomes a `null` type, and patterns are compiled once. Validation then costs time linear in the
/// value: every value node is checked against one schema node.
///
/// Compilation has a node budget: what lies beyond it (or behind a reference that does not resolve) is not checked,
/// because a run must never be refused for a value the API accepts.
public struct CompiledSchema: Sendable {
    /// Schema objects compiled at most; past this, the rest of the schema is accepted unchecked.
    public static let maximumNodes = 20_000
    /// Nesting followed at most while compiling, references included (a chain of 20,000 distinct references must
    /// not exhaust the stack); deeper parts are accepted unchecked.
    static let maximumDepth = 128

    enum Additional: Sendable {
        case unchecked
        case forbidden
        case schema(Int)
    }

    /// A bound with the value as written, so messages repeat what the schema said (`at least 1.5`).
    struct Bound: Sendable {
        var number: Double
        var written: JSONValue
    }

    struct Node: Sendable {
        var acceptsAll = true
        var rejectsAll = false
        var types: [String]?
        var enumeration: [JSONValue]?
        var constant: JSONValue?
        var minimum: Bound?
        var maximum: Bound?
        var exclusiveMinimum: Bound?
        var exclusiveMaximum: Bound?
        var minLength: Int64?
        var maxLength: Int64?
        var pattern: String?
        /// nil when the pattern is not one the bounded matcher runs (then it is not checked).
        var matcher: Pattern?
        var format: String?
        var properties: [(name: String, node: Int)] = []
        var propertyIndex: [String: Int] = [:]
        var required: [String] = []
        var additional: Additional = .unchecked
        var items: Int?
        var minItems: Int64?
        var maxItems: Int64?
    }

    let nodes: [Node]
    let root: Int

    /// Compiles `schema`; `definitions` resolves `$ref`s (OpenAPI documents keep them), `openAPI` reads `nullable`
    /// and ignores `oneOf`/`anyOf` (they are not guessed at).
    public init(_ schema: JSONValue, definitions: [String: JSONValue] = [:]) {
        var builder = Builder(definitions: definitions)
        root = builder.node(for: schema, depth: 0)
        nodes = builder.nodes
    }

    /// Every problem of `value`, with pointers below `base`.
    public func problems(_ value: JSONValue, at base: String = "") -> [FieldError] {
        var problems: [FieldError] = []
        validate(value, node: root, at: base, problems: &problems)
        return problems
    }

    /// How many nodes the schema compiled to (for tests of the budget and the memo).
    var nodeCount: Int { nodes.count }
}

// MARK: - Compiling

extension CompiledSchema {
    struct Builder {
        let definitions: [String: JSONValue]
        var nodes: [Node] = [Node(), Node(acceptsAll: false, rejectsAll: true)]
        var references: [String: Int] = [:]
        /// References being compiled: an `allOf` that reaches one of these again merges nothing from it.
        var inProgress: Set<Int> = []
        static let acceptAll = 0
        static let rejectAll = 1

        init(definitions: [String: JSONValue]) { self.definitions = definitions }

        mutating func node(for schema: JSONValue, depth: Int) -> Int {
            switch schema {
            case .bool(let allowed): return allowed ? Self.acceptAll : Self.rejectAll
            case .object(let members):
                guard depth < CompiledSchema.maximumDepth, nodes.count < CompiledSchema.maximumNodes else { return Self.acceptAll }
                if let reference = members["$ref"]?.stringValue { return resolve(reference, depth: depth) }
                let index = nodes.count
                nodes.append(Node())
                nodes[index] = compile(members, depth: depth)
                return index
            default:
                return Self.acceptAll
            }
        }

        private mutating func resolve(_ reference: String, depth: Int) -> Int {
            if let known = references[reference] { return known }
            guard let target = definitions[reference], nodes.count < CompiledSchema.maximumNodes else { return Self.acceptAll }
            // Reserve the slot first: a reference back to this one (directly or through others) becomes an edge to it.
            let index = nodes.count
            nodes.append(Node())
            references[reference] = index
            inProgress.insert(index)
            let compiled: Node
            if case .object(let members) = target, members["$ref"] == nil {
                compiled = compile(members, depth: depth + 1)
            } else {
                let alias = node(for: target, depth: depth + 1)
                compiled = inProgress.contains(alias) ? Node() : nodes[alias]
            }
            nodes[index] = compiled
            inProgress.remove(index)
            return index
        }

        private mutating func compile(_ source: [String: JSONValue], depth: Int) -> Node {
            var members = source
            var node = Node()
            node.acceptsAll = false
            if case .array(let parts)? = members.removeValue(forKey: "allOf") {
                for part in parts {
                    let index = self.node(for: part, depth: depth + 1)
                    guard !inProgress.contains(index) else { continue }
                    merge(nodes[index], into: &node)
                }
            }
            if let type = members["type"] {
                let names: [String] =
                    if case .array(let items) = type { items.compactMap(\.stringValue) } else { type.stringValue.map { [$0] } ?? [] }
                if !names.isEmpty { node.types = names }
            }
            if case .array(let options)? = members["enum"] { node.enumeration = options }
            if let constant = members["const"] { node.constant = constant }
            node.minimum = Self.bound(members["minimum"]) ?? node.minimum
            node.maximum = Self.bound(members["maximum"]) ?? node.maximum
            node.exclusiveMinimum = Self.bound(members["exclusiveMinimum"]) ?? node.exclusiveMinimum
            node.exclusiveMaximum = Self.bound(members["exclusiveMaximum"]) ?? node.exclusiveMaximum
            node.minLength = Self.count(members["minLength"]) ?? node.minLength
            node.maxLength = Self.count(members["maxLength"]) ?? node.maxLength
            node.minItems = Self.count(members["minItems"]) ?? node.minItems
            node.maxItems = Self.count(members["maxItems"]) ?? node.maxItems
            if let pattern = members["pattern"]?.stringValue {
                node.pattern = pattern
                node.matcher = try? PatternCache.pattern(pattern)
            }
            if let format = members["format"]?.stringValue { node.format = format }
            if case .array(let names)? = members["required"] { node.required += names.compactMap(\.stringValue) }
            if case .object(let properties)? = members["properties"] {
                for (name, schema) in properties.sorted(by: { $0.key < $1.key }) where node.propertyIndex[name] == nil {
                    let index = self.node(for: schema, depth: depth + 1)
                    node.propertyIndex[name] = index
                    node.properties.append((name, index))
                }
            }
            switch members["additionalProperties"] {
            case .bool(false)?: node.additional = .forbidden
            case .object(let inner)? where !inner.isEmpty: node.additional = .schema(self.node(for: .object(inner), depth: depth + 1))
            default: break
            }
            if let items = members["items"], case .object = items { node.items = self.node(for: items, depth: depth + 1) }
            if members["nullable"] == .bool(true), let types = node.types {
                node.types = types + ["null"]
                if let options = node.enumeration { node.enumeration = options + [.null] }
            }
            return node
        }

        /// `allOf`: properties and required names add up; any other keyword the node lacks is taken from the part.
        private func merge(_ part: Node, into node: inout Node) {
            guard !part.acceptsAll else { return }
            node.rejectsAll = node.rejectsAll || part.rejectsAll
            node.types = node.types ?? part.types
            node.enumeration = node.enumeration ?? part.enumeration
            node.constant = node.constant ?? part.constant
            node.minimum = node.minimum ?? part.minimum
            node.maximum = node.maximum ?? part.maximum
            node.exclusiveMinimum = node.exclusiveMinimum ?? part.exclusiveMinimum
            node.exclusiveMaximum = node.exclusiveMaximum ?? part.exclusiveMaximum
            node.minLength = node.minLength ?? part.minLength
            node.maxLength = node.maxLength ?? part.maxLength
            node.minItems = node.minItems ?? part.minItems
            node.maxItems = node.maxItems ?? part.maxItems
            if node.pattern == nil {
                node.pattern = part.pattern
                node.matcher = part.matcher
            }
            node.format = node.format ?? part.format
            node.required += part.required
            for property in part.properties where node.propertyIndex[property.name] == nil {
                node.propertyIndex[property.name] = property.node
                node.properties.append(property)
            }
            if case .unchecked = node.additional { node.additional = part.additional }
            node.items = node.items ?? part.items
        }

        private static func bound(_ value: JSONValue?) -> Bound? {
            guard let value, let number = JSONSchema.number(value) else { return nil }
            return Bound(number: number, written: value)
        }

        /// A length or count bound; a negative or non-integer one (a document's mistake) is not checked.
        private static func count(_ value: JSONValue?) -> Int64? {
            if case .int(let count)? = value, count >= 0 { return count }
            return nil
        }
    }
}

// MARK: - Validating

extension CompiledSchema {
    private func validate(_ value: JSONValue, node index: Int, at pointer: String, problems: inout [FieldError]) {
        let node = nodes[index]
        if node.acceptsAll { return }
        if node.rejectsAll { return problems.append(FieldError(pointer: pointer, "is not allowed")) }
        if let allowed = node.types {
            guard allowed.contains(where: { Self.matches(value, type: $0) }) else {
                return problems.append(
                    FieldError(pointer: pointer, "must be of type \(allowed.joined(separator: " or ")), not \(JSONSchema.typeName(value))"))
            }
        }
        if let options = node.enumeration, !options.contains(where: { Self.equal($0, value) }) {
            problems.append(FieldError(pointer: pointer, "must be one of \(options.map(JSONSchema.render).joined(separator: ", "))"))
        }
        if let constant = node.constant, !Self.equal(constant, value) {
            problems.append(FieldError(pointer: pointer, "must be \(JSONSchema.render(constant))"))
        }
        switch value {
        case .object(let members):
            validateObject(members, node: node, at: pointer, problems: &problems)
        case .array(let items):
            if let minimum = node.minItems, items.count < minimum {
                problems.append(FieldError(pointer: pointer, "must have at least \(minimum) items"))
            }
            if let maximum = node.maxItems, items.count > maximum {
                problems.append(FieldError(pointer: pointer, "must have at most \(maximum) items"))
            }
            if let itemNode = node.items {
                for (offset, item) in items.enumerated() { validate(item, node: itemNode, at: "\(pointer)/\(offset)", problems: &problems) }
            }
        case .string(let text):
            validateString(text, node: node, at: pointer, problems: &problems)
        case .int, .double:
            validateNumber(JSONSchema.number(value) ?? 0, node: node, at: pointer, problems: &problems)
        default:
            break
        }
    }

    private func validateObject(_ members: [String: JSONValue], node: Node, at pointer: String, problems: inout [FieldError]) {
        for name in node.required where members[name] == nil {
            problems.append(FieldError(pointer: pointer + "/" + JSONPointer.escape(name), "is required"))
        }
        for (name, member) in members.sorted(by: { $0.key < $1.key }) {
            let here = pointer + "/" + JSONPointer.escape(name)
            if let property = node.propertyIndex[name] {
                validate(member, node: property, at: here, problems: &problems)
                continue
            }
            switch node.additional {
            case .unchecked: break
            case .forbidden: problems.append(FieldError(pointer: here, "is not an allowed property"))
            case .schema(let additional): validate(member, node: additional, at: here, problems: &problems)
            }
        }
    }

    private func validateString(_ text: String, node: Node, at pointer: String, problems: inout [FieldError]) {
        if node.minLength != nil || node.maxLength != nil {
            let length = text.count
            if let minimum = node.minLength, length < minimum {
                problems.append(FieldError(pointer: pointer, "must be at least \(minimum) characters"))
            }
            if let maximum = node.maxLength, length > maximum {
                problems.append(FieldError(pointer: pointer, "must be at most \(maximum) characters"))
            }
        }
        if let pattern = node.pattern, let matcher = node.matcher, !matcher.matches(text) {
            problems.append(FieldError(pointer: pointer, "must match \(pattern)"))
        }
        if let format = node.format, !FormatChecker.matches(text, format: format) {
            problems.append(FieldError(pointer: pointer, "must be a valid \(format)"))
        }
    }

    private func validateNumber(_ value: Double, node: Node, at pointer: String, problems: inout [FieldError]) {
        if let bound = node.minimum, value < bound.number {
            problems.append(FieldError(pointer: pointer, "must be at least \(JSONSchema.render(bound.written))"))
        }
        if let bound = node.maximum, value > bound.number {
            problems.append(FieldError(pointer: pointer, "must be at most \(JSONSchema.render(bound.written))"))
        }
        if let bound = node.exclusiveMinimum, value <= bound.number {
            problems.append(FieldError(pointer: pointer, "must be greater than \(JSONSchema.render(bound.written))"))
        }
        if let bound = node.exclusiveMaximum, value >= bound.number {
            problems.append(FieldError(pointer: pointer, "must be less than \(JSONSchema.render(bound.written))"))
        }
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null), ("integer", .int),
            ("number", .int), ("number", .double):
            true
        case ("integer", .double(let number)): number.rounded() == number && Swift.abs(number) < 9e15
        default: false
        }
    }

    static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        if let left = JSONSchema.number(lhs), let right = JSONSchema.number(rhs) { return left == right }
        return lhs == rhs
    }
}
