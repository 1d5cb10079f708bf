/// The text format a document was read as.
public enum SourceFormat: String, Sendable, Equatable {
    case json
    case yaml
}

/// A document read into a tree, with the warnings reading raised.
public struct SourceDocument: Sendable {
    public var root: SourceNode
    public var format: SourceFormat
    public var warnings: [SourceReadWarning]

    public init(root: SourceNode, format: SourceFormat, warnings: [SourceReadWarning]) {
        self.root = root
        self.format = format
        self.warnings = warnings
    }
}

/// Reads JSON or YAML, telling them apart by content rather than by file name: a document whose first
/// significant character opens an object or array is JSON (YAML's flow style aside, which is tried next).
public enum SourceDocumentReader {
    /// Larger documents are refused before parsing; the biggest public API descriptions are about 10 MB.
    public static let maximumBytes = 32 * 1024 * 1024

    public static func read(_ bytes: [UInt8]) throws(SourceReadError) -> SourceDocument {
        guard bytes.count <= maximumBytes else {
            throw SourceReadError(
                "the document is \(bytes.count) bytes; the limit is \(maximumBytes)", at: SourcePosition(line: 1, column: 1, offset: 0))
        }
        if looksLikeJSON(bytes) {
            do {
                let (root, warnings) = try JSONSourceReader.read(bytes)
                return SourceDocument(root: root, format: .json, warnings: warnings)
            } catch let jsonError {
                // `{a: 1}` is YAML flow style; when YAML cannot read it either, JSON's message is the useful one.
                guard let (root, warnings) = try? YAMLSourceReader.read(bytes) else { throw jsonError }
                return SourceDocument(root: root, format: .yaml, warnings: warnings)
            }
        }
        let (root, warnings) = try YAMLSourceReader.read(bytes)
        return SourceDocument(root: root, format: .yaml, warnings: warnings)
    }

    static func looksLikeJSON(_ bytes: [UInt8]) -> Bool {
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            case UInt8(ascii: "{"), UInt8(ascii: "["): return true
            default: return false
            }
        }
        return false
    }
}
