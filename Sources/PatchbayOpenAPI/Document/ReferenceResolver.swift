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

    public let references: [Reference]
    private let targets: [String: SourceNode]

    public init(root: SourceNode) {
        var found: [Reference] = []
        var path: [String] = []
        Self.collect(root, path: &path, into: &found)
        var targets: [String: SourceNode] = [:]
        var indexes = MemberIndexes()
        for reference in found where targets[reference.target] == nil && Self.kind(of: reference.target) == .local {
            if let node = indexes.lookUp(reference.target, in: root) { targets[reference.target] = node }
        }
        self.references = found
        self.targets = targets
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

    private static func collect(_ node: SourceNode, path: inout [String], into found: inout [Reference]) {
        switch node.value {
        case .object(let members):
            if let reference = node["$ref"]?.string {
                found.append(
                    Reference(
                        target: reference,
                        path: path,
                        position: node["$ref"]?.position ?? node.position,
                        siblings: members.count == 1 ? [] : members.map(\.key).filter { $0 != "$ref" }
                    )
                )
            }
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
