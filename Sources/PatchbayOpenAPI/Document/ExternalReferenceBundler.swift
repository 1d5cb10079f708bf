import PatchbayCore

/// Follows `$ref`s to other local files (`common.yaml#/Pet`, `./schemas/error.json`) by inlining what they
/// name, so the rest of the pipeline sees one document. Files are read through a loader the caller supplies
/// (the command line reads the disk; the server passes none and such references are reported instead).
/// Remote URLs are never fetched. A cycle of files stops where it repeats and is reported, as is a file
/// that cannot be read or a pointer that names nothing.
public struct ExternalReferenceBundler {
    public typealias Loader = (_ path: String) throws -> [UInt8]

    /// Inlining stops here: nested files deeper than this are reported, not read.
    public static let maximumDepth = 32

    /// Inlining stops when the nodes it has placed reach this many. Each reference is inlined anew, so two references
    /// a file, a few files deep, would otherwise expand to billions of copies.
    public static let maximumInlinedNodes = 250_000

    private let loader: Loader
    private var files: [String: SourceNode] = [:]
    private var failedFiles: Set<String> = []
    private var inlinedNodes = 0
    private var overBudget = false
    private(set) var problems: [LintProblem] = []

    public static func bundle(_ root: SourceNode, path: String, loader: @escaping Loader) -> (root: SourceNode, problems: [LintProblem]) {
        var bundler = ExternalReferenceBundler(loader: loader)
        var stack: [String] = []
        var keys: [String] = []
        let bundled = bundler.bundle(root, file: path, isMain: true, stack: &stack, path: &keys) ?? root
        return (bundled, bundler.problems)
    }

    /// Whether the file's bytes may hold a `$ref` to another file: false only when every `$ref` in them is followed
    /// by a quoted value that starts with `#`. Most documents are one file, and this look at the bytes spares them
    /// the walk over every node (a twentieth of a large lint). Whatever it cannot see through counts as "may", and
    /// the walk then decides: an escape that could spell a hidden `$ref` or `#` (JSON's `\u0024`, YAML's `\x72`…),
    /// a line continued with a backslash, and any value other than a quoted "#…".
    public static func mayReferToOtherFiles(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            let count = buffer.count
            var index = 0
            while index < count {
                // Eight bytes at a time past those that hold neither a backslash nor a dollar sign (most of them).
                if index + 8 <= count, let base = buffer.baseAddress {
                    let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                    if !Self.holds(word, UInt8(ascii: "\\")), !Self.holds(word, UInt8(ascii: "$")) {
                        index += 8
                        continue
                    }
                }
                switch buffer[index] {
                case UInt8(ascii: "\\"):
                    if Self.mayHide(buffer, escapeAt: index) { return true }
                    index += 1
                case UInt8(ascii: "$")
                where index + 3 < count && buffer[index + 1] == UInt8(ascii: "r") && buffer[index + 2] == UInt8(ascii: "e")
                    && buffer[index + 3] == UInt8(ascii: "f"):
                    var next = index + 4
                    // "$refund" in a description is not the key.
                    if next < count, !Self.endsKey(buffer[next]) { break }
                    // The key's closing quote, the colon, spaces and line breaks, then the value.
                    while next < count, Self.endsKey(buffer[next]) { next += 1 }
                    guard next < count else { return true }
                    let quoted = buffer[next - 1] == UInt8(ascii: "\"") || buffer[next - 1] == UInt8(ascii: "'")
                    switch buffer[next] {
                    // A local reference is a quoted "#…": an unquoted "#" in YAML begins a comment, not the value.
                    case UInt8(ascii: "#") where quoted: break
                    // A remote URL (GitHub's examples hold one) is never fetched, so never read either.
                    case UInt8(ascii: "h") where quoted && Self.startsRemote(buffer, at: next): break
                    // An object or a list (a schema property named "$ref", as GitHub's and Kubernetes' have) is no
                    // reference: only a string is.
                    case UInt8(ascii: "{") where !quoted, UInt8(ascii: "[") where !quoted: break
                    // YAML's folded or literal block ("$ref: >-" and "#/…" on the next line, as in Stripe's).
                    case UInt8(ascii: ">") where !quoted, UInt8(ascii: "|") where !quoted:
                        guard let start = Self.blockScalarStart(buffer, after: next), buffer[start] == UInt8(ascii: "#") else { return true }
                        next = start
                    default: return true
                    }
                    index = next
                default:
                    break
                }
                index += 1
            }
            return false
        }
    }

    /// Whether any of the word's eight bytes is `byte` (the classic test for a zero byte, after an exclusive or).
    @inline(__always)
    private static func holds(_ word: UInt64, _ byte: UInt8) -> Bool {
        let spread = word ^ (0x0101_0101_0101_0101 &* UInt64(byte))
        return (spread &- 0x0101_0101_0101_0101) & ~spread & 0x8080_8080_8080_8080 != 0
    }

    /// Where a YAML block scalar's text begins: after its indicator, its chomping and indentation marks and the line
    /// break, past the indentation. Nil for anything else (a comment on the header line, say): the caller then walks.
    private static func blockScalarStart(_ buffer: UnsafeBufferPointer<UInt8>, after indicator: Int) -> Int? {
        var index = indicator + 1
        while index < buffer.count,
            buffer[index] == UInt8(ascii: "-") || buffer[index] == UInt8(ascii: "+")
                || (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(buffer[index])
        {
            index += 1
        }
        while index < buffer.count, buffer[index] == 0x20 || buffer[index] == 0x09 { index += 1 }
        guard index < buffer.count, buffer[index] == 0x0A || buffer[index] == 0x0D else { return nil }
        while index < buffer.count, [0x20, 0x09, 0x0A, 0x0D].contains(buffer[index]) { index += 1 }
        return index < buffer.count ? index : nil
    }

    private static func startsRemote(_ buffer: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
        ["http://", "https://"].contains { scheme in
            let utf8 = Array(scheme.utf8)
            return start + utf8.count <= buffer.count && buffer[start..<start + utf8.count].elementsEqual(utf8)
        }
    }

    private static func endsKey(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: ":"), 0x20, 0x09, 0x0A, 0x0D: true
        default: false
        }
    }

    /// Whether the escape at `index` could stand for a character of "$ref" or "#", or join lines (YAML).
    private static func mayHide(_ buffer: UnsafeBufferPointer<UInt8>, escapeAt index: Int) -> Bool {
        guard index + 1 < buffer.count else { return false }
        let digits: Int
        switch buffer[index + 1] {
        case UInt8(ascii: "u"): digits = 4
        case UInt8(ascii: "x"): digits = 2
        case UInt8(ascii: "U"): digits = 8
        case 0x0A, 0x0D: return true
        default: return false
        }
        guard index + 1 + digits < buffer.count else { return true }
        var value: UInt32 = 0
        for offset in 1...digits {
            let byte = buffer[index + 1 + offset]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: return true
            }
            value = value << 4 | digit
        }
        return [0x24, 0x72, 0x65, 0x66, 0x23].contains(value)
    }

    private init(loader: @escaping Loader) {
        self.loader = loader
    }

    /// The node with other files' references inlined, or nil when nothing under it changed (most of a document:
    /// rebuilding it all, with a pointer for every node, used to cost a tenth of a lint).
    private mutating func bundle(_ node: SourceNode, file: String, isMain: Bool, stack: inout [String], path: inout [String]) -> SourceNode? {
        switch node.value {
        case .object(let members):
            if let reference = node["$ref"]?.string {
                let kind = ReferenceResolver.kind(of: reference)
                if kind == .file || (kind == .local && !isMain) {
                    return inline(reference, from: file, at: node, stack: &stack, path: &path)
                }
            }
            var changed: [SourceNode.Member]?
            for index in members.indices {
                path.append(members[index].key)
                if let bundled = bundle(members[index].value, file: file, isMain: isMain, stack: &stack, path: &path) {
                    if changed == nil { changed = members }
                    changed?[index].value = bundled
                }
                path.removeLast()
            }
            return changed.map { SourceNode(.object($0), at: node.position) }
        case .array(let items):
            var changed: [SourceNode]?
            for index in items.indices {
                path.append(String(index))
                if let bundled = bundle(items[index], file: file, isMain: isMain, stack: &stack, path: &path) {
                    if changed == nil { changed = items }
                    changed?[index] = bundled
                }
                path.removeLast()
            }
            return changed.map { SourceNode(.array($0), at: node.position) }
        default:
            return nil
        }
    }

    private mutating func inline(_ reference: String, from file: String, at node: SourceNode, stack: inout [String], path: inout [String])
        -> SourceNode
    {
        let pointer = ReferenceResolver.pointer(path)
        let parts = reference.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let target = parts[0].isEmpty ? file : Self.resolve(String(parts[0]), relativeTo: file)
        let fragment = parts.count > 1 ? ReferenceResolver.percentDecoded(String(parts[1])) : ""
        let key = target + "#" + fragment
        let position = node["$ref"]?.position ?? node.position
        if stack.contains(key) {
            problems.append(
                LintProblem(
                    rule: "circular-references", severity: .info, pointer: pointer + "/$ref", position: position,
                    message: "circular reference across files: \((stack + [key]).joined(separator: " -> ")); left as a reference"))
            return node
        }
        guard stack.count < Self.maximumDepth else {
            problems.append(
                LintProblem(
                    rule: "resolving-references", severity: .error, pointer: pointer + "/$ref", position: position,
                    message: "references nest deeper than \(Self.maximumDepth) files at \"\(reference)\""))
            return node
        }
        guard !overBudget else { return node }
        guard let document = load(target, reference: reference, pointer: pointer, position: position) else { return node }
        guard let found = document.node(at: fragment) else {
            problems.append(
                LintProblem(
                    rule: "resolving-references", severity: .error, pointer: pointer + "/$ref", position: position,
                    message: "reference \"\(reference)\" cannot be resolved: \(target) has nothing at \"\(fragment)\""))
            return node
        }
        stack.append(key)
        defer { stack.removeLast() }
        // What comes from another file is placed where it is referenced: its lines belong to that other file.
        let bundled = bundle(found, file: target, isMain: false, stack: &stack, path: &path) ?? found
        guard !overBudget else { return node }
        inlinedNodes += Self.count(bundled, upTo: Self.maximumInlinedNodes - inlinedNodes + 1)
        guard inlinedNodes <= Self.maximumInlinedNodes else {
            overBudget = true
            problems.append(
                LintProblem(
                    rule: "resolving-references", severity: .error, pointer: pointer + "/$ref", position: position,
                    message: "references to other files expand beyond \(Self.maximumInlinedNodes) nodes at \"\(reference)\"; inlining stopped"))
            return node
        }
        return Self.relocated(bundled, to: node.position)
    }

    /// Nodes in `node`, counted up to `limit` at most.
    private static func count(_ node: SourceNode, upTo limit: Int) -> Int {
        var counted = 0
        var pending = [node]
        while let next = pending.popLast(), counted < limit {
            counted += 1
            switch next.value {
            case .object(let members): pending.append(contentsOf: members.map(\.value))
            case .array(let items): pending.append(contentsOf: items)
            default: continue
            }
        }
        return counted
    }

    private mutating func load(_ path: String, reference: String, pointer: String, position: SourcePosition) -> SourceNode? {
        if let cached = files[path] { return cached }
        guard !failedFiles.contains(path) else { return nil }
        do {
            let document = try SourceDocumentReader.read(try loader(path))
            files[path] = document.root
            return document.root
        } catch let error as SourceReadError {
            failedFiles.insert(path)
            problems.append(
                LintProblem(
                    rule: "resolving-references", severity: .error, pointer: pointer + "/$ref", position: position,
                    message: "reference \"\(reference)\": \(path):\(error.position): \(error.message)"))
        } catch {
            failedFiles.insert(path)
            problems.append(
                LintProblem(
                    rule: "resolving-references", severity: .error, pointer: pointer + "/$ref", position: position,
                    message: "reference \"\(reference)\": \(path) cannot be read (\(error))"))
        }
        return nil
    }

    private static func relocated(_ node: SourceNode, to position: SourcePosition) -> SourceNode {
        switch node.value {
        case .object(let members):
            return SourceNode(
                .object(members.map { SourceNode.Member(key: $0.key, keyPosition: position, value: relocated($0.value, to: position)) }), at: position
            )
        case .array(let items):
            return SourceNode(.array(items.map { relocated($0, to: position) }), at: position)
        default:
            return SourceNode(node.value, at: position)
        }
    }

    /// `../common/pet.yaml` against `specs/api/main.yaml` → `specs/common/pet.yaml`.
    static func resolve(_ relative: String, relativeTo file: String) -> String {
        if relative.hasPrefix("/") { return normalize(relative) }
        let directory = file.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return normalize(directory.isEmpty ? relative : directory + "/" + relative)
    }

    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        let absolute = path.hasPrefix("/")
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..":
                if let last = parts.last, last != ".." { parts.removeLast() } else if !absolute { parts.append(part) }
            default: parts.append(part)
            }
        }
        return (absolute ? "/" : "") + parts.joined(separator: "/")
    }
}
