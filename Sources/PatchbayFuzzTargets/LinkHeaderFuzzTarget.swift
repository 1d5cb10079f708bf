import PatchbayCore

/// `link`: the RFC 8288 `Link` header parser and the resolution of its targets, as Link-header pagination uses
/// them. Each line of the input is one header value (a response may repeat the header).
public enum LinkHeaderFuzzTarget {
    /// A page URL as a paginating connector would have requested it.
    static let base = "https://api.github.com/repositories/1300192/issues?per_page=100&page=2"

    public static func run(_ bytes: [UInt8]) {
        let values = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map {
            String(decoding: $0.last == UInt8(ascii: "\r") ? $0.dropLast() : $0, as: UTF8.self)
        }
        let header = LinkHeader(values)
        for rel in ["next", "NEXT", "prev", "last"] {
            _ = header.target(rel: rel, resolvedAgainst: base)
        }
        // Every target, resolved once each: calling `target(rel:)` per relation would itself be quadratic.
        for link in header.links {
            _ = LinkHeader.resolve(link.target, against: base)
        }
    }
}
