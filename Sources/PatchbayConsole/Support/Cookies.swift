import PatchbayCore

/// The console's cookies: HttpOnly, SameSite=Strict, scoped to `/console`, `Secure` behind https.
enum Cookies {
    static let session = "pb_session"
    /// The sign-in form's CSRF token before there is a session (double submit).
    static let signIn = "pb_signin"

    static func value(_ name: String, in header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingWhitespace() == name {
                return pair[1].trimmingWhitespace()
            }
        }
        return nil
    }

    static func set(_ name: String, _ value: String, maxAgeSeconds: Int, secure: Bool) -> String {
        "\(name)=\(value); Path=/console; Max-Age=\(maxAgeSeconds); HttpOnly; SameSite=Strict\(secure ? "; Secure" : "")"
    }

    static func clear(_ name: String, secure: Bool) -> String {
        "\(name)=; Path=/console; Max-Age=0; HttpOnly; SameSite=Strict\(secure ? "; Secure" : "")"
    }
}
