import PatchbayOpenAPI

/// `openapi-files`: what `patchbay openapi lint` and `import` do with a file on disk, references to other local
/// files (`common.yaml#/Pet`, `../errors.json`) inlined before the lint and import (`OpenAPIImporter.readFile`).
///
/// The input, read as JSON or YAML by content, is the file asked for and also every other file: the loader hands
/// it back for any path, so references between files (cycles and chains of them included) cost what they would
/// on disk, without I/O.
public enum OpenAPIFilesFuzzTarget {
    /// Where the input pretends to live, so that relative references resolve to paths.
    static let path = "/fuzz/api/openapi.yaml"

    public static func run(_ bytes: [UInt8]) {
        guard let (source, document, problems) = try? OpenAPIImporter.readFile(path, loader: { _ in bytes }) else { return }
        let imported = OpenAPIImporter.analyze(document, format: source.format, readWarnings: source.warnings, otherProblems: problems)
        _ = SourceNodeWriter.json(imported.converted)
    }
}
