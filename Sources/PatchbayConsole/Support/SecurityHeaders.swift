import HTTPTypes

/// The headers every console response carries: a strict Content-Security-Policy (no inline script or style, nothing
/// from elsewhere), framing only by the configured origins, no referrer, no caching.
enum SecurityHeaders {
    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let crossOriginOpenerPolicy = HTTPField.Name("Cross-Origin-Opener-Policy")!
    static let permissionsPolicy = HTTPField.Name("Permissions-Policy")!

    /// `formTargets`: other origins a form on this page may end up at (Connect's redirect to an OAuth provider:
    /// Chromium applies `form-action` to a form's redirects too).
    static func apply(to fields: inout HTTPFields, settings: ConsoleSettings, formTargets: [String] = []) {
        let ancestors = settings.frameAncestors.isEmpty ? "'none'" : settings.frameAncestors.joined(separator: " ")
        let formActions = (["'self'"] + formTargets.compactMap(origin)).joined(separator: " ")
        fields[contentSecurityPolicy] =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action \(formActions); "
            + "base-uri 'none'; frame-ancestors \(ancestors)"
        // X-Frame-Options cannot name origins; with allowed ancestors, frame-ancestors alone decides.
        if settings.frameAncestors.isEmpty { fields[frameOptions] = "DENY" }
        fields[referrerPolicy] = "no-referrer"
        fields[contentTypeOptions] = "nosniff"
        fields[.cacheControl] = "no-store"
        if settings.frameAncestors.isEmpty { fields[crossOriginOpenerPolicy] = "same-origin" }
        fields[permissionsPolicy] = "camera=(), microphone=(), geolocation=(), payment=()"
    }

    /// `scheme://host[:port]` of an http(s) URL, as a CSP source; nil for anything else (nothing else may be spliced
    /// into the policy).
    static func origin(_ url: String) -> String? {
        let lower = url.lowercased()
        guard let scheme = ["https://", "http://"].first(where: { lower.hasPrefix($0) }) else { return nil }
        let rest = lower.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostPort = authority.split(separator: "@").last.map(String.init) ?? ""
        guard !hostPort.isEmpty, hostPort.count <= 300,
            hostPort.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-:[]".contains($0)) })
        else { return nil }
        return scheme + hostPort
    }
}
