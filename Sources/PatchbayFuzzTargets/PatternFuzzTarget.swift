import PatchbayCore

/// `pattern`: the regular-expression matcher that JSON Schema `pattern` keywords run on, with both the pattern
/// and the text from outside (a schema from an imported API description, a value from a request).
///
/// The input is the pattern, a NUL byte, then the text; without a NUL it is all pattern, matched against the
/// empty text. Patterns are cut to 1,000 Unicode scalars and texts to 64 KiB, the sizes the matcher must handle
/// in bounded time. Only `init(_:)` and `matches(_:)` are exercised: what JSON Schema validation calls.
public enum PatternFuzzTarget {
    /// `Pattern.maximumSourceLength`, which counts Unicode scalars: longer sources are refused before parsing.
    static let maximumPatternScalars = 1000
    static let maximumTextBytes = 64 * 1024

    public static func run(_ bytes: [UInt8]) {
        let separator = bytes.firstIndex(of: 0) ?? bytes.count
        let scalars = String(decoding: bytes[..<separator], as: UTF8.self).unicodeScalars.prefix(maximumPatternScalars)
        let source = String(String.UnicodeScalarView(scalars))
        let textBytes = bytes[min(separator + 1, bytes.count)...].prefix(maximumTextBytes)
        let text = String(decoding: textBytes, as: UTF8.self)
        guard let pattern = try? Pattern(source) else { return }
        _ = pattern.matches(text)
    }
}
