/// The fuzz targets: one function per parser of outside bytes, each taking one input as bytes.
///
/// A target must return for every input: no trap, no hang, nothing super-linear. Where a parser's output has a
/// property that must hold (JSON written from a read document reads back the same), the target checks it and
/// stops with `preconditionFailure` when it does not, so libFuzzer reports the input as a crash.
///
/// `PatchbayFuzz` runs them under libFuzzer (`scripts/fuzz`) or replays files through them, and the
/// `PatchbayFuzzTests` suite replays the committed corpora in `Fuzz/corpus/<name>/` on every test run.
public enum FuzzTargets {
    /// One input in, nothing out: a target either returns or crashes.
    public typealias Target = @Sendable ([UInt8]) -> Void

    /// Every target by the name used for its corpus directory, `PATCHBAY_FUZZ_TARGET` and `scripts/fuzz`.
    public static let all: [String: Target] = [
        "json": JSONFuzzTarget.run,
        "yaml": YAMLFuzzTarget.run,
        "openapi-files": OpenAPIFilesFuzzTarget.run,
        "inbound": InboundFuzzTarget.run,
        "link": LinkHeaderFuzzTarget.run,
        "svg": SVGIconFuzzTarget.run,
        "pattern": PatternFuzzTarget.run,
        "multipart": MultipartFuzzTarget.run,
    ]

    /// The names in a stable order, for usage messages and listings.
    public static var names: [String] { all.keys.sorted() }
}
