/// What the console needs to know about where it is served.
public struct ConsoleSettings: Sendable {
    /// `--public-url`: where browsers reach this server; an https URL makes the session cookie `Secure`.
    public var publicURL: String?
    /// `--console-frame-ancestors`: origins allowed to embed the console in a frame (none by default).
    public var frameAncestors: [String]
    /// Where the templates and assets are, when not next to the executable (`PATCHBAY_CONSOLE_RESOURCES`).
    public var resourcesPath: String?
    /// `--max-document-bytes`: the largest API description an upload may carry (the API's limit too).
    public var maxDocumentBytes: Int

    public init(publicURL: String? = nil, frameAncestors: [String] = [], resourcesPath: String? = nil, maxDocumentBytes: Int = 32 * 1024 * 1024) {
        self.publicURL = publicURL
        self.frameAncestors = frameAncestors
        self.resourcesPath = resourcesPath
        self.maxDocumentBytes = maxDocumentBytes
    }

    var secureCookies: Bool { publicURL?.lowercased().hasPrefix("https://") ?? false }

    /// Checks each frame ancestor is an origin (`https://host[:port]`); the message names the first that is not.
    public static func frameAncestorProblem(_ origins: [String]) -> String? {
        for origin in origins {
            let lower = origin.lowercased()
            guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
                return "\(origin.prefix(100)) is not an origin: use https://host or https://host:port"
            }
            let rest = lower.drop { $0 != "/" }.dropFirst(2)
            let host = rest.split(separator: ":").first.map(String.init) ?? ""
            // A wildcard may stand for one subdomain (https://*.example.com), never for every site.
            guard !rest.isEmpty, !rest.contains("/"), rest.allSatisfy({ $0.isLetter || $0.isNumber || ".-:[]*".contains($0) }),
                host != "*", !host.dropFirst(host.hasPrefix("*.") ? 2 : 0).contains("*"), host.contains(".") || host == "localhost"
            else {
                return "\(origin.prefix(100)) is not an origin: use https://host or https://host:port, without a path"
            }
        }
        return nil
    }
}
