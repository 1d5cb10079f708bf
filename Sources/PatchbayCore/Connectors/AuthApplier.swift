import Foundation

/// Puts an installation's credentials on a request, per the integration's auth settings.
public enum AuthApplier {
    public static func apply(
        _ auth: APISettings.Auth, credentials: ConnectorCredentials, accessToken: String?, to request: inout OutboundRequest
    ) {
        for (name, value) in (auth.extraHeaders ?? [:]).sorted(by: { $0.key < $1.key }) { setHeader(name, value, on: &request) }
        switch auth.type {
        case .none:
            break
        case .apiKey:
            guard let key = credentials.apiKey else { return }
            if auth.keyInQuery, let name = auth.queryParam {
                request.url = QueryString.setting(name, to: key, in: request.url)
            } else {
                let value = auth.preamble.map { $0.isEmpty ? key : "\($0) \(key)" } ?? key
                setHeader(auth.headerName ?? "Authorization", value, on: &request)
            }
        case .basic:
            let pair = (credentials.username ?? "") + ":" + (credentials.password ?? "")
            setHeader("Authorization", "Basic " + Data(pair.utf8).base64EncodedString(), on: &request)
        case .oauth2:
            guard let accessToken else { return }
            setHeader("Authorization", "\(auth.effectiveAccessTokenScheme) \(accessToken)", on: &request)
        }
    }

    /// Replaces a header of the same name (credentials win over a parameter of that name).
    static func setHeader(_ name: String, _ value: String, on request: inout OutboundRequest) {
        request.headers.removeAll { $0.name.caseInsensitiveCompare(name) == .orderedSame }
        request.headers.append(.init(name, value))
    }
}
