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

    static func apply(to fields: inout HTTPFields, settings: ConsoleSettings) {
        let ancestors = settings.frameAncestors.isEmpty ? "'none'" : settings.frameAncestors.joined(separator: " ")
        fields[contentSecurityPolicy] =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; "
            + "base-uri 'none'; frame-ancestors \(ancestors)"
        // X-Frame-Options cannot name origins; with allowed ancestors, frame-ancestors alone decides.
        if settings.frameAncestors.isEmpty { fields[frameOptions] = "DENY" }
        fields[referrerPolicy] = "no-referrer"
        fields[contentTypeOptions] = "nosniff"
        fields[.cacheControl] = "no-store"
        if settings.frameAncestors.isEmpty { fields[crossOriginOpenerPolicy] = "same-origin" }
        fields[permissionsPolicy] = "camera=(), microphone=(), geolocation=(), payment=()"
    }
}
