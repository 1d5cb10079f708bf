import PatchbayOpenAPI

/// `json`: the position-aware JSON reader (read in two halves and whole, which must agree), then — when the
/// bytes are an API description — what the server's lint and import do with it.
public enum JSONFuzzTarget {
    public static func run(_ bytes: [UInt8]) {
        checkHalvesAgree(bytes)
        guard let (root, warnings) = try? JSONSourceReader.read(bytes) else { return }
        OpenAPIPipelineFuzzing.checkRoundTrip(root)
        OpenAPIPipelineFuzzing.analyze(root, format: .json, warnings: warnings)
    }

    /// Reading in halves (as large documents are) gives what reading whole gives: the tree with every position,
    /// the warnings, or the same error.
    static func checkHalvesAgree(_ bytes: [UInt8]) {
        let whole = Result { () throws(SourceReadError) in try JSONSourceReader.read(bytes, halvesFrom: .max) }
        let halves = Result { () throws(SourceReadError) in try JSONSourceReader.read(bytes, halvesFrom: 0) }
        switch (whole, halves) {
        case (.failure(let a), .failure(let b)):
            precondition(a == b, "reading in halves failed otherwise: \(a) against \(b)")
        case (.success(let a), .success(let b)):
            precondition(a.node == b.node, "reading in halves gave another tree")
            // Byte for byte: `String`'s `==` would equate pointers whose keys differ only in Unicode form.
            let bytes = { (warnings: [SourceReadWarning]) in
                warnings.map { Array("\($0.position.offset) \($0.position.line):\($0.position.column) \($0.pointer) \($0.message)".utf8) }
                    .sorted { $0.lexicographicallyPrecedes($1) }
            }
            precondition(bytes(a.warnings) == bytes(b.warnings), "reading in halves gave other warnings")
        default:
            preconditionFailure("reading in halves and reading whole disagree on whether the document reads")
        }
    }
}
