import PatchbayOpenAPI

/// `yaml`: the YAML reader (libyaml's events into `SourceNode`s: scalars, anchors, aliases, merge keys, limits),
/// then the same lint and import as `json`.
public enum YAMLFuzzTarget {
    public static func run(_ bytes: [UInt8]) {
        guard let (root, warnings) = try? YAMLSourceReader.read(bytes) else { return }
        OpenAPIPipelineFuzzing.checkRoundTrip(root)
        OpenAPIPipelineFuzzing.analyze(root, format: .yaml, warnings: warnings)
    }
}
