import PatchbayCore

/// `svg`: the integration icon validator (its small XML scanner, entity decoding and CSS checks). The input is
/// taken as UTF-8, as the API receives the icon inside a JSON string.
public enum SVGIconFuzzTarget {
    public static func run(_ bytes: [UInt8]) {
        _ = SVGIconValidator.problem(in: String(decoding: bytes, as: UTF8.self))
    }
}
