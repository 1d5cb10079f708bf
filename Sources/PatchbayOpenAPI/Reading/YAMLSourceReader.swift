// Yams' own `compose` builds a class-backed tag per node, resolves scalars with regular expressions and throws on
// the first duplicate key; reading libyaml's events directly is several times faster and lets duplicates be
// warnings, as they are for JSON.
internal import CYaml
import PatchbayCore

/// Reads YAML into `SourceNode`s with positions, from libyaml's event stream.
///
/// Scalars resolve by the YAML 1.2 core schema (`true`, `null`, `12`, `1.5e3`; quoted or `!!str` stays text),
/// so `on:` or `2023-01-01` stay strings. Mapping keys keep the text they were written with, so YAML 1.1 integer
/// keys such as `200:` become `"200"` as OpenAPI means them. Merge keys (`<<: *base`) are applied.
///
/// Aliases share the anchored node rather than copy it, but everything downstream walks the expanded tree, so
/// the expanded size and depth are counted as the tree is built and a "billion laughs" document is refused
/// before it costs anything.
public struct YAMLSourceReader {
    public static let maximumDepth = JSONSourceReader.maximumDepth

    /// Nodes the expanded tree may hold: a plain document needs at least two bytes per node, so only aliases
    /// get anywhere near this.
    public static func maximumNodes(forByteCount count: Int) -> Int { 100_000 + 2 * count }

    private struct Built {
        var node: SourceNode
        /// Nodes in the expanded subtree.
        var weight: Int
        /// Collection levels in the expanded subtree: a scalar is 0, a collection 1 more than its highest item, an
        /// empty one 1 (the JSON reader counts it as a level, so an alias to `[]` cannot slip past the depth limit).
        var height: Int
    }

    /// A collection being built. Sequences and mappings share one frame type so that appending mutates the
    /// stack in place (an enum payload would be copied out and back on every node).
    private struct Frame {
        var isMapping: Bool
        var items: [SourceNode] = []
        var members: [SourceNode.Member] = []
        var seen = KeyTracker()
        var pendingKey: (text: String, position: SourcePosition, isMerge: Bool)?
        var position: SourcePosition
        var anchor: String?
        var weight = 1
        var height = 1
        /// Values of merge keys (`<<`), applied when the mapping ends so that its own keys win.
        var merges: [(node: SourceNode, position: SourcePosition)] = []

        init(isMapping: Bool, position: SourcePosition, anchor: String?) {
            self.isMapping = isMapping
            self.position = position
            self.anchor = anchor
        }
    }

    public static func read(_ bytes: [UInt8]) throws(SourceReadError) -> (node: SourceNode, warnings: [SourceReadWarning]) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw SourceReadError("the YAML parser could not start", at: SourcePosition(line: 1, column: 1, offset: 0))
        }
        defer { yaml_parser_delete(&parser) }
        return try bytes.withUnsafeBufferPointer { buffer throws(SourceReadError) in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var reader = YAMLSourceReader(maximumNodes: maximumNodes(forByteCount: bytes.count))
            return try reader.run(&parser, bytes: buffer)
        }
    }

    private var anchors: [String: Built] = [:]
    private var stack: [Frame] = []
    private var warnings: [SourceReadWarning] = []
    private var root: Built?
    private var documents = 0
    /// Nodes attached so far, aliases counted at their full expanded size.
    private var expandedNodes = 0
    private let maximumNodes: Int

    private init(maximumNodes: Int) {
        self.maximumNodes = maximumNodes
    }

    private mutating func run(_ parser: inout yaml_parser_t, bytes: UnsafeBufferPointer<UInt8>) throws(SourceReadError) -> (
        node: SourceNode, warnings: [SourceReadWarning]
    ) {
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else { throw Self.parserError(parser, bytes: bytes) }
            defer { yaml_event_delete(&event) }
            let position = Self.position(event.start_mark)
            switch event.type {
            case YAML_STREAM_END_EVENT:
                guard let root else { throw SourceReadError("the document is empty", at: position) }
                return (root.node, warnings)
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents > 1 { throw SourceReadError("a second YAML document starts here; an API description is one document", at: position) }
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let text = Self.string(scalar.value, count: scalar.length)
                // A key needs no value of its own: only its text, unless an anchor may name it.
                if let top = stack.indices.last, stack[top].isMapping, stack[top].pendingKey == nil, scalar.anchor == nil {
                    let isMerge = scalar.style == YAML_PLAIN_SCALAR_STYLE && text == "<<"
                    stack[top].pendingKey = (text, position, isMerge)
                    continue
                }
                let value: SourceNode.Value
                if scalar.style == YAML_PLAIN_SCALAR_STYLE && scalar.plain_implicit == 1 && scalar.tag == nil {
                    value = Self.resolvePlain(text)
                } else {
                    value = Self.resolveTagged(text, tag: Self.optionalString(scalar.tag))
                }
                try count(1, at: position)
                let built = Built(node: SourceNode(value, at: position), weight: 1, height: 0)
                try complete(built, anchor: Self.optionalString(scalar.anchor), rawText: text, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE)
            case YAML_ALIAS_EVENT:
                let name = Self.optionalString(event.data.alias.anchor) ?? ""
                guard var built = anchors[name] else { throw SourceReadError("the alias *\(name) names no anchor defined before it", at: position) }
                // The shared node keeps its own position; the alias is where it is used.
                built.node.position = position
                try count(built.weight, at: position)
                try complete(built, anchor: nil, rawText: nil, plain: false)
            case YAML_SEQUENCE_START_EVENT:
                try push(mapping: false, at: position, anchor: Self.optionalString(event.data.sequence_start.anchor))
            case YAML_MAPPING_START_EVENT:
                try push(mapping: true, at: position, anchor: Self.optionalString(event.data.mapping_start.anchor))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                var frame = stack.removeLast()
                let value: SourceNode.Value
                if frame.isMapping {
                    for merge in frame.merges { try Self.merge(merge.node, into: &frame.members, seen: &frame.seen, at: merge.position) }
                    value = .object(frame.members)
                } else {
                    value = .array(frame.items)
                }
                try complete(
                    Built(node: SourceNode(value, at: frame.position), weight: frame.weight, height: frame.height), anchor: frame.anchor,
                    rawText: nil, plain: false)
            default:
                continue
            }
        }
    }

    private mutating func push(mapping: Bool, at position: SourcePosition, anchor: String?) throws(SourceReadError) {
        guard stack.count < Self.maximumDepth else { throw SourceReadError("nesting deeper than \(Self.maximumDepth) levels", at: position) }
        try count(1, at: position)
        stack.append(Frame(isMapping: mapping, position: position, anchor: anchor))
    }

    private mutating func count(_ nodes: Int, at position: SourcePosition) throws(SourceReadError) {
        expandedNodes += nodes
        if expandedNodes > maximumNodes {
            throw SourceReadError("aliases expand the document beyond \(maximumNodes) nodes; refusing it (a YAML alias bomb?)", at: position)
        }
    }

    /// Attaches a finished node to the container being built, or makes it the root.
    private mutating func complete(_ built: Built, anchor: String?, rawText: String?, plain: Bool) throws(SourceReadError) {
        if let anchor { anchors[anchor] = built }
        guard !stack.isEmpty else {
            root = built
            return
        }
        let top = stack.count - 1
        let position = built.node.position
        if stack.count + built.height > Self.maximumDepth {
            throw SourceReadError("aliases nest deeper than \(Self.maximumDepth) levels", at: position)
        }
        stack[top].weight += built.weight
        stack[top].height = max(stack[top].height, built.height + 1)
        guard stack[top].isMapping else {
            stack[top].items.append(built.node)
            return
        }
        if let key = stack[top].pendingKey {
            stack[top].pendingKey = nil
            if key.isMerge {
                stack[top].merges.append((built.node, key.position))
            } else if stack[top].seen.isNew(key.text, in: stack[top].members) {
                stack[top].members.append(SourceNode.Member(key: key.text, keyPosition: key.position, value: built.node))
            } else {
                warnings.append(
                    SourceReadWarning(
                        message: "duplicate key \"\(key.text)\"; the first one is used", pointer: pointer(appending: key.text),
                        position: key.position))
            }
        } else {
            guard let text = rawText ?? Self.keyText(built.node) else {
                throw SourceReadError("a mapping key must be a scalar, not a collection", at: position)
            }
            stack[top].pendingKey = (text, position, plain && text == "<<")
        }
    }

    /// YAML 1.1 merge keys: the merged mapping's members fill in what the mapping does not set itself.
    private static func merge(_ node: SourceNode, into members: inout [SourceNode.Member], seen: inout KeyTracker, at position: SourcePosition)
        throws(SourceReadError)
    {
        let sources: [SourceNode]
        switch node.value {
        case .object: sources = [node]
        case .array(let items): sources = items
        default: throw SourceReadError("a merge key (<<) needs a mapping or a list of mappings", at: position)
        }
        for source in sources {
            guard case .object(let merged) = source.value else {
                throw SourceReadError("a merge key (<<) needs a mapping or a list of mappings", at: position)
            }
            for member in merged where seen.isNew(member.key, in: members) {
                members.append(member)
            }
        }
    }

    /// Where a key of the mapping being built would be: only warnings need it, so it is rebuilt from the stack.
    private func pointer(appending key: String) -> String {
        var pointer = ""
        for frame in stack.dropLast() {
            let token = frame.isMapping ? frame.pendingKey?.text ?? "" : String(frame.items.count)
            pointer = JSONPointer.appending(token, to: pointer)
        }
        return JSONPointer.appending(key, to: pointer)
    }

    private static func keyText(_ node: SourceNode) -> String? {
        switch node.value {
        case .string(let text), .number(let text): return text
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .array, .object: return nil
        }
    }

    // MARK: - Scalars

    private static func resolveTagged(_ text: String, tag: String?) -> SourceNode.Value {
        switch tag {
        case "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null":
            return resolvePlain(text)
        default:
            return .string(text)
        }
    }

    /// The YAML 1.2 core schema, with numbers rewritten in JSON's grammar.
    static func resolvePlain(_ text: String) -> SourceNode.Value {
        let utf8 = text.utf8
        guard let first = utf8.first else { return .null }
        switch first {
        case UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "~"):
            if text == "null" || text == "Null" || text == "NULL" || text == "~" { return .null }
        case UInt8(ascii: "t"), UInt8(ascii: "T"):
            if text == "true" || text == "True" || text == "TRUE" { return .bool(true) }
        case UInt8(ascii: "f"), UInt8(ascii: "F"):
            if text == "false" || text == "False" || text == "FALSE" { return .bool(false) }
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."):
            if let number = jsonNumber(text) { return .number(number) }
        default:
            break
        }
        return .string(text)
    }

    /// `012` → `12`, `+1` → `1`, `.5` → `0.5`, `1.` → `1.0`, `0x1F` → `31`, `0o17` → `15`; nil when not a number
    /// (`.inf` and `.nan` have no JSON form, so they stay text).
    static func jsonNumber(_ text: String) -> String? {
        var bytes = Array(text.utf8)
        if bytes.count > 2, bytes[0] == UInt8(ascii: "0"), bytes[1] == UInt8(ascii: "x") || bytes[1] == UInt8(ascii: "o") {
            let radix = bytes[1] == UInt8(ascii: "x") ? 16 : 8
            guard let value = UInt64(String(decoding: bytes[2...], as: UTF8.self), radix: radix) else { return nil }
            return String(value)
        }
        var negative = false
        if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") {
            negative = bytes.first == UInt8(ascii: "-")
            bytes.removeFirst()
        }
        var index = 0
        func digits() -> [UInt8] {
            let start = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return Array(bytes[start..<index])
        }
        var integer = digits()
        var fraction: [UInt8]?
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            fraction = digits()
        }
        guard !integer.isEmpty || !(fraction ?? []).isEmpty else { return nil }
        var exponent: [UInt8] = []
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            var sign: [UInt8] = []
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                sign = [bytes[index]]
                index += 1
            }
            let digits = digits()
            guard !digits.isEmpty else { return nil }
            exponent = [UInt8(ascii: "e")] + sign + digits
        }
        guard index == bytes.count else { return nil }
        while integer.count > 1, integer.first == UInt8(ascii: "0") { integer.removeFirst() }
        if integer.isEmpty { integer = [UInt8(ascii: "0")] }
        var result = negative ? [UInt8(ascii: "-")] : []
        result += integer
        if let fraction { result += [UInt8(ascii: ".")] + (fraction.isEmpty ? [UInt8(ascii: "0")] : fraction) }
        result += exponent
        return String(decoding: result, as: UTF8.self)
    }

    // MARK: - libyaml plumbing

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, count: Int) -> String {
        guard let pointer else { return "" }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    private static func optionalString(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    private static func position(_ mark: yaml_mark_t) -> SourcePosition {
        SourcePosition(line: Int(mark.line) + 1, column: Int(mark.column) + 1, offset: Int(mark.index))
    }

    private static func parserError(_ parser: yaml_parser_t, bytes: UnsafeBufferPointer<UInt8>) -> SourceReadError {
        let problem = parser.problem.map { String(cString: $0) } ?? "unreadable YAML"
        var message = problem
        if let context = parser.context.map({ String(cString: $0) }) { message = "\(context): \(problem)" }
        guard parser.error == YAML_READER_ERROR else { return SourceReadError(message, at: position(parser.problem_mark)) }
        // Reader errors (bad encoding, control characters) carry only a byte offset.
        let offset = min(Int(parser.problem_offset), bytes.count)
        var line = 1
        var lineStart = 0
        for index in 0..<offset where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        return SourceReadError(message, at: SourcePosition(line: line, column: offset - lineStart + 1, offset: offset))
    }
}
