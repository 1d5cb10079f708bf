import PatchbayCore

/// Every `$ref` in a document, found in one walk, with the local ones resolved once.
///
/// Lookups by pointer scan members in order, and the same few hundred targets are referenced tens of
/// thousands of times in large descriptions, so each distinct target is resolved once here.
public struct ReferenceResolver: Sendable {
    public enum Kind: Sendable, Equatable {
        /// `#/components/schemas/Pet`
        case local
        /// `pet.yaml#/Pet`, `./common/errors.json`
        case file
        /// `https://example.com/schemas/pet.json`
        case remote
    }

    public struct Reference: Sendable {
        public var target: String
        /// The keys from the root to the object that holds the `$ref`. The pointer is built from them only when
        /// asked for: large descriptions hold tens of thousands of references, and few are ever reported.
        public var path: [String]
        public var position: SourcePosition
        /// Other keys next to `$ref` (ignored by OpenAPI 3.0 and Swagger 2.0).
        public var siblings: [String]

        /// The object that holds the `$ref`.
        public var pointer: String { ReferenceResolver.pointer(path) }
    }

    /// In document order (the halves the walk found them in, joined without copying tens of thousands of them).
    public let references: FlattenSequence<[[Reference]]>
    private let targets: [String: SourceNode]

    public init(root: SourceNode) {
        // A tenth of a large lint: the document is cut into parts in document order, and the two halves (by size)
        // are walked side by side, each with its own lookups, then joined.
        let parts = WalkPart.parts(of: root)
        guard parts.reduce(0, { $0 + $1.size }) >= WalkPart.twoCoresFrom else {
            let all = Self.scan(parts[...], root: root)
            self.references = [all.references].joined()
            self.targets = all.targets
            return
        }
        let half = WalkPart.halfway(parts)
        let (first, second) = SideBySide.run({ Self.scan(parts[..<half], root: root) }, { Self.scan(parts[half...], root: root) })
        self.references = [first.references, second.references].joined()
        self.targets = first.targets.merging(second.targets) { found, _ in found }
    }

    /// The references in `parts`, in order, and the local targets they name.
    private static func scan(_ parts: ArraySlice<WalkPart>, root: SourceNode) -> (references: [Reference], targets: [String: SourceNode]) {
        var found: [Reference] = []
        for part in parts {
            if part.ownReferenceOnly {
                if let reference = reference(in: part.node, path: part.path) { found.append(reference) }
            } else {
                var path = part.path
                collect(part.node, path: &path, into: &found)
            }
        }
        var targets: [String: SourceNode] = [:]
        var indexes = MemberIndexes()
        for reference in found where targets[reference.target] == nil && Self.kind(of: reference.target) == .local {
            if let node = indexes.lookUp(reference.target, in: root) { targets[reference.target] = node }
        }
        return (found, targets)
    }

    /// A piece of the document for the reference walk: a node and everything under it, or just its own `$ref`.
    struct WalkPart {
        var path: [String]
        var node: SourceNode
        var ownReferenceOnly = false
        /// About how many bytes it spans; only a guide (bundled nodes carry another file's offsets).
        var size: Int

        /// Smaller documents are walked on one core: handing half to another would cost more than it saves.
        static let twoCoresFrom = 256 * 1024

        /// The document cut into parts in document order: the largest part is replaced by its children (after its
        /// own `$ref`) until none is more than a quarter of the whole, so two halves can be about equal.
        static func parts(of root: SourceNode) -> [WalkPart] {
            var parts = [WalkPart(path: [], node: root, size: 1)]
            for _ in 0..<64 {
                let total = parts.reduce(0) { $0 + $1.size }
                guard let largest = parts.indices.max(by: { parts[$0].size < parts[$1].size }), parts[largest].size * 4 > total,
                    let children = children(of: parts[largest])
                else { break }
                parts.replaceSubrange(largest...largest, with: children)
            }
            return parts
        }

        /// Where the first half ends: the first part past half the total size.
        static func halfway(_ parts: [WalkPart]) -> Int {
            let total = parts.reduce(0) { $0 + $1.size }
            var sum = 0
            for (index, part) in parts.enumerated() {
                sum += part.size
                if sum * 2 >= total { return index + 1 }
            }
            return parts.count
        }

        /// The node's own `$ref`, then its children as `collect` would walk them; nil for a leaf or a bare reference.
        private static func children(of part: WalkPart) -> [WalkPart]? {
            guard !part.ownReferenceOnly else { return nil }
            var children = [WalkPart(path: part.path, node: part.node, ownReferenceOnly: true, size: 0)]
            switch part.node.value {
            case .object(let members):
                for member in members where !isSkipped(member.key) {
                    children.append(
                        WalkPart(path: part.path + [member.key], node: member.value, size: span(of: member.value, from: member.keyPosition.offset)))
                }
            case .array(let items):
                for (index, item) in items.enumerated() where item.isObject || item.items != nil {
                    children.append(WalkPart(path: part.path + [String(index)], node: item, size: span(of: item, from: item.position.offset)))
                }
            default:
                return nil
            }
            return children.count > 2 ? children : nil
        }

        /// From `start` to where the node's last descendant (following last members and items) starts.
        private static func span(of node: SourceNode, from start: Int) -> Int {
            var node = node
            for _ in 0..<64 {
                if let last = node.members?.last {
                    node = last.value
                } else if let last = node.items?.last {
                    node = last
                } else {
                    break
                }
            }
            return max(1, node.position.offset - start)
        }
    }

    public static func kind(of target: String) -> Kind {
        if target.hasPrefix("#") { return .local }
        if target.hasPrefix("http://") || target.hasPrefix("https://") || target.hasPrefix("//") || target.contains("://") { return .remote }
        return .file
    }

    /// The node a local reference names, or nil when it names nothing (or is not local).
    public func target(of reference: String) -> SourceNode? {
        targets[reference]
    }

    /// Follows `$ref` (chains too, at most 32 hops, so a loop of references ends) to the node meant.
    /// Returns the node itself when it is no reference or the reference cannot be resolved.
    public func resolve(_ node: SourceNode) -> (node: SourceNode, reference: String?) {
        var current = node
        var last: String?
        for _ in 0..<32 {
            guard let reference = current["$ref"]?.string, let next = targets[reference] else { break }
            last = reference
            current = next
        }
        return (current, last)
    }

    /// Pointer lookups scan members in order; in an object with thousands of members (a large `schemas`),
    /// thousands of distinct references would make that quadratic, so large objects get a key index, built once.
    struct MemberIndexes {
        /// By the pointer of the object (unique in the tree, unlike positions, which bundled nodes share).
        private var indexes: [Substring: [String: Int]] = [:]

        mutating func lookUp(_ reference: String, in root: SourceNode) -> SourceNode? {
            var fragment = String(reference.dropFirst())
            if fragment.utf8.contains(UInt8(ascii: "%")) { fragment = percentDecoded(fragment) }
            guard !fragment.isEmpty else { return root }
            guard fragment.hasPrefix("/") else { return nil }
            var node = root
            var prefix = fragment[..<fragment.startIndex]
            for token in fragment.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
                let key = JSONPointer.unescape(String(token))
                defer { prefix = fragment[..<token.endIndex] }
                switch node.value {
                case .object(let members):
                    if members.count > 32 {
                        let index = indexes[prefix] ?? Self.index(members)
                        indexes[prefix] = index
                        guard let position = index[key] else { return nil }
                        node = members[position].value
                    } else {
                        guard let next = node[key] else { return nil }
                        node = next
                    }
                case .array(let items):
                    guard let index = Int(key), items.indices.contains(index) else { return nil }
                    node = items[index]
                default:
                    return nil
                }
            }
            return node
        }

        private static func index(_ members: [SourceNode.Member]) -> [String: Int] {
            var index: [String: Int] = [:]
            for (position, member) in members.enumerated() where index[member.key] == nil { index[member.key] = position }
            return index
        }
    }

    static func percentDecoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2, let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The object's own `$ref`, if it has one.
    private static func reference(in node: SourceNode, path: [String]) -> Reference? {
        guard let members = node.members, let reference = node["$ref"], let target = reference.string else { return nil }
        return Reference(
            target: target, path: path, position: reference.position,
            siblings: members.count == 1 ? [] : members.map(\.key).filter { $0 != "$ref" })
    }

    private static func collect(_ node: SourceNode, path: inout [String], into found: inout [Reference]) {
        switch node.value {
        case .object(let members):
            if let reference = reference(in: node, path: path) { found.append(reference) }
            for member in members where !isSkipped(member.key) {
                path.append(member.key)
                collect(member.value, path: &path, into: &found)
                path.removeLast()
            }
        case .array(let items):
            for (index, item) in items.enumerated() where item.isObject || item.items != nil {
                path.append(String(index))
                collect(item, path: &path, into: &found)
                path.removeLast()
            }
        default:
            break
        }
    }

    /// Examples and extensions hold no references of the document's (`example`, `x-…`): compared as bytes, as this
    /// runs for every member of the document.
    @inline(__always)
    static func isSkipped(_ key: String) -> Bool {
        var utf8 = key.utf8.makeIterator()
        switch utf8.next() {
        case UInt8(ascii: "x"): return utf8.next() == UInt8(ascii: "-")
        case UInt8(ascii: "e"): return key == "example"
        default: return false
        }
    }

    static func pointer(_ path: some Collection<String>) -> String {
        var pointer = ""
        pointer.reserveCapacity(path.reduce(0) { $0 + $1.utf8.count + 1 })
        for token in path {
            pointer.append("/")
            pointer.append(JSONPointer.escape(token))
        }
        return pointer
    }
}
