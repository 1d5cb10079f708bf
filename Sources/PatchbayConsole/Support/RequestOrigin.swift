import HTTPTypes
import Hummingbird
import PatchbayCore

/// Refuses state-changing requests from another origin (403), before the CSRF token is even read. `Origin` must be
/// this server's; with `Referrer-Policy: no-referrer` Chromium sends `Origin: null` on same-origin form posts, so a
/// null (or missing) Origin is accepted only with `Sec-Fetch-Site: same-origin`, never alone.
enum RequestOrigin {
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!

    static func check(_ request: Request, publicURL: String?) throws {
        let origin = request.headers[.origin]
        let fetchSite = request.headers[secFetchSite]?.lowercased()
        if let origin, origin != "null" {
            let host = request.head.authority ?? ""
            let allowed = ["http://\(host)", "https://\(host)"] + (publicURL.map { [Self.origin(of: $0)] } ?? [])
            guard allowed.contains(where: { $0.lowercased() == origin.lowercased() }) else {
                throw PatchbayError(.forbidden, "This form was sent from another site (\(origin.prefix(100))); it was refused.")
            }
            if let fetchSite, fetchSite != "same-origin" {
                throw PatchbayError(.forbidden, "This form was sent from another site; it was refused.")
            }
            return
        }
        guard fetchSite == "same-origin" else {
            throw PatchbayError(.forbidden, "This form's origin could not be confirmed; it was refused. Reload the page and send it again.")
        }
    }

    /// `scheme://host[:port]` of a URL.
    static func origin(of url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return String(url[..<schemeEnd.upperBound]) + host
    }
}
