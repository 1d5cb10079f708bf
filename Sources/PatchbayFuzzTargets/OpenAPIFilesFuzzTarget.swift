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
        // The look at the bytes may say "may refer to other files" wrongly, never "does not" wrongly: when it says
        // "does not", the bundler must ask for no file but the one read first.
        let reads = ReadCount()
        let read = try? OpenAPIImporter.readFile(
            path,
            loader: { _ in
                reads.value += 1
                return bytes
            })
        if !ExternalReferenceBundler.mayReferToOtherFiles(bytes), reads.value > 1 {
            preconditionFailure("the bytes were judged to refer to no other file, yet \(reads.value - 1) were read")
        }
        guard let (source, document, problems) = read else { return }
        let imported = OpenAPIImporter.analyze(document, format: source.format, readWarnings: source.warnings, otherProblems: problems)
        _ = SourceNodeWriter.json(imported.converted)
    }
}

/// The loader's calls: the loader is not `@Sendable`, and one run reads on one thread.
private final class ReadCount {
    var value = 0
}
