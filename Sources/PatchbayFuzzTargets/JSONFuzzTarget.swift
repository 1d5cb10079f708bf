import PatchbayOpenAPI

/// `json`: the position-aware JSON reader, then — when the bytes are an API description — what the server's
/// lint and import do with it.
public enum JSONFuzzTarget {
    public static func run(_ bytes: [UInt8]) {
        guard let (root, warnings) = try? JSONSourceReader.read(bytes) else { return }
        OpenAPIPipelineFuzzing.checkRoundTrip(root)
        OpenAPIPipelineFuzzing.analyze(root, format: .json, warnings: warnings)
    }
}
