import PatchbayCore

/// A position in a source document: 1-based line and column (columns count UTF-8 bytes), and the byte offset.
public struct SourcePosition: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var offset: Int

    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public var description: String { "\(line):\(column)" }
}

/// A JSON or YAML value with the position it was read from, so every problem found later can name its line.
public struct SourceNode: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case null
        case bool(Bool)
        /// The number as written, so that `1.0` and `1` stay distinguishable and huge integers lose nothing.
        case number(String)
        case string(String)
        case array([SourceNode])
        /// Members in document order. A duplicate key keeps its first occurrence here; the reader reports it.
        case object([Member])
    }

    public struct Member: Sendable, Equatable {
        public var key: String
        public var keyPosition: SourcePosition
        public var value: SourceNode

        public init(key: String, keyPosition: SourcePosition, value: SourceNode) {
            self.key = key
            self.keyPosition = keyPosition
            self.value = value
        }
    }

    public var value: Value
    public var position: SourcePosition

    public init(_ value: Value, at position: SourcePosition) {
        self.value = value
        self.position = position
    }

    public subscript(key: String) -> SourceNode? {
        guard case .object(let members) = value else { return nil }
        return members.first { $0.key == key }?.value
    }

    public subscript(index: Int) -> SourceNode? {
        guard case .array(let items) = value, items.indices.contains(index) else { return nil }
        return items[index]
    }

    public var string: String? {
        if case .string(let text) = value { return text }
        return nil
    }

    /// The node at an RFC 6901 JSON pointer (`""` is the root), or nil.
    public func node(at pointer: String) -> SourceNode? {
        guard !pointer.isEmpty else { return self }
        guard pointer.hasPrefix("/") else { return nil }
        var node = self
        for token in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let key = JSONPointer.unescape(String(token))
            switch node.value {
            case .object:
                guard let next = node[key] else { return nil }
                node = next
            case .array:
                guard let index = Int(key), let next = node[index] else { return nil }
                node = next
            default:
                return nil
            }
        }
        return node
    }
}

/// Tells whether a key is new in an object being read. Most objects have a handful of keys, where comparing
/// against the members is cheaper than hashing every key; a set is built once an object grows.
struct KeyTracker {
    private var keys: Set<String>?

    init() {}

    mutating func isNew(_ key: String, in members: [SourceNode.Member]) -> Bool {
        if keys == nil {
            if members.count < 16 { return !members.contains { $0.key == key } }
            keys = Set(members.map(\.key))
        }
        return keys!.insert(key).inserted
    }
}
