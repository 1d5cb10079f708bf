import PatchbayOpenAPI

/// What the `json` and `yaml` targets do with a document once it is read.
enum OpenAPIPipelineFuzzing {
    /// What the server does with an uploaded description (`OpenAPIImporter.lint` and `importAPI`): lint,
    /// Swagger 2.0 conversion, action extraction and settings hints; then the converted document is written.
    static func analyze(_ root: SourceNode, format: SourceFormat, warnings: [SourceReadWarning]) {
        guard let document = try? APIDocument(root: root) else { return }
        let imported = OpenAPIImporter.analyze(document, format: format, readWarnings: warnings)
        _ = SourceNodeWriter.json(imported.converted)
    }

    /// JSON written from a read tree reads back as the same tree (positions aside): the converter's output is
    /// written this way and read again by whoever imports it.
    static func checkRoundTrip(_ root: SourceNode) {
        for pretty in [false, true] {
            let written = SourceNodeWriter.json(root, pretty: pretty)
            let reread: SourceNode
            do {
                reread = try JSONSourceReader.read(Array(written.utf8)).node
            } catch {
                preconditionFailure("JSON written from a read document does not read back (\(error)): \(written.prefix(400))")
            }
            guard sameValue(root, reread) else {
                preconditionFailure("JSON written from a read document reads back as another value: \(written.prefix(400))")
            }
        }
    }

    /// Structural equality, ignoring positions (which differ between the source and the written JSON).
    static func sameValue(_ lhs: SourceNode, _ rhs: SourceNode) -> Bool {
        switch (lhs.value, rhs.value) {
        case (.null, .null): return true
        case (.bool(let left), .bool(let right)): return left == right
        case (.number(let left), .number(let right)): return left == right
        case (.string(let left), .string(let right)): return left == right
        case (.array(let left), .array(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { sameValue($0, $1) }
        case (.object(let left), .object(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { $0.key == $1.key && sameValue($0.value, $1.value) }
        default: return false
        }
    }
}
