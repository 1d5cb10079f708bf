import Foundation

/// The shared spec corpus: `../shared/specs` beside the checkout, or `PATCHBAY_SPECS_DIR`.
public enum SpecCorpus {
    public static let directory: URL? = {
        let candidates = [
            ProcessInfo.processInfo.environment["PATCHBAY_SPECS_DIR"].map { URL(fileURLWithPath: $0) },
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/specs").standardized,
        ]
        return candidates.compactMap { $0 }.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("SOURCES.md").path) }
    }()

    public static let missingReason = "the spec corpus is not beside this checkout (../shared/specs) and PATCHBAY_SPECS_DIR is unset"
}
