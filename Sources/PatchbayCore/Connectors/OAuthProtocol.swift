import Crypto
import Foundation

/// The OAuth 2.0 client side, free of I/O: the authorization URL (RFC 6749 §4.1.1 with PKCE S256, RFC 7636),
/// token requests for each grant with the integration's settings, and reading the token response.
public enum OAuthProtocol {
    /// A PKCE verifier: 64 characters from the unreserved set (43–128 allowed, RFC 7636 §4.1).
    public static func makeVerifier() -> String {
        base64URL(Array((0..<48).map { _ in UInt8.random(in: 0...255) }))
    }

    /// A `state` value: 32 random bytes, base64url.
    public static func makeState() -> String {
        base64URL(Array((0..<32).map { _ in UInt8.random(in: 0...255) }))
    }

    public static func challenge(for verifier: String) -> String {
        base64URL(Array(SHA256.hash(data: Array(verifier.utf8))))
    }

    public static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Where to send the user: the authorization URL with the client, redirect, scope, state, challenge and the
    /// integration's extra parameters.
    public static func authorizationURL(
        auth: APISettings.Auth, clientId: String, redirectURI: String, state: String, verifier: String
    ) -> String? {
        guard let base = auth.authorizationUrl else { return nil }
        var url = base
        var parameters: [(String, String)] = [
            ("response_type", "code"), ("client_id", clientId), ("redirect_uri", redirectURI), ("state", state),
            ("code_challenge", challenge(for: verifier)), ("code_challenge_method", "S256"),
        ]
        if let scope = auth.scope, !scope.isEmpty { parameters.append(("scope", scope)) }
        for (name, value) in (auth.extraAuthorizationParams ?? [:]).sorted(by: { $0.key < $1.key }) { parameters.append((name, value)) }
        for (name, value) in parameters { url = QueryString.setting(name, to: value, in: url) }
        return url
    }

    public enum Grant: Sendable, Equatable {
        case clientCredentials
        case authorizationCode(code: String, verifier: String, redirectURI: String)
        case refresh(refreshToken: String, redirectURI: String?)
    }

    /// The token request for `grant`. Client authentication is HTTP Basic with the id and secret each
    /// form-encoded first (RFC 6749 §2.3.1) when `basicAuthOnExchange` is set, otherwise in the body. A refresh
    /// carries the client configuration and redirect URI only when the settings ask for them.
    public static func tokenRequest(grant: Grant, auth: APISettings.Auth, credentials: ConnectorCredentials) -> OutboundRequest? {
        var fields: [(String, String)] = []
        var includeClient = true
        switch grant {
        case .clientCredentials:
            fields.append(("grant_type", "client_credentials"))
            if let scope = auth.scope, !scope.isEmpty { fields.append(("scope", scope)) }
        case .authorizationCode(let code, let verifier, let redirectURI):
            fields += [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("code_verifier", verifier)]
        case .refresh(let refreshToken, let redirectURI):
            fields += [("grant_type", "refresh_token"), ("refresh_token", refreshToken)]
            if auth.includeRedirectUriOnRefresh == true, let redirectURI { fields.append(("redirect_uri", redirectURI)) }
            includeClient = auth.includeClientConfigOnRefresh ?? true
        }
        var headers: [OutboundRequest.Header] = [.init("Accept", "application/json")]
        if auth.basicAuthOnExchange == true, let clientId = credentials.clientId {
            let pair = RequestBuilder.formEncode(clientId) + ":" + RequestBuilder.formEncode(credentials.clientSecret ?? "")
            headers.append(.init("Authorization", "Basic " + Data(pair.utf8).base64EncodedString()))
        } else if includeClient {
            if let clientId = credentials.clientId { fields.append(("client_id", clientId)) }
            if let secret = credentials.clientSecret, !secret.isEmpty { fields.append(("client_secret", secret)) }
        }
        for (name, value) in (auth.extraHeaders ?? [:]).sorted(by: { $0.key < $1.key }) { headers.append(.init(name, value)) }
        guard let url = (grant.isRefresh ? auth.refreshUrl : nil) ?? auth.tokenUrl else { return nil }
        if auth.effectiveTokenRequestMethod == "GET" {
            var target = url
            for (name, value) in fields { target = QueryString.setting(name, to: value, in: target) }
            return OutboundRequest(method: "GET", url: target, headers: headers)
        }
        let body: [UInt8]
        if auth.effectiveTokenRequestContentType == APISettings.Auth.jsonContentType {
            body = JSONText.encode(.object(Dictionary(fields.map { ($0.0, JSONValue.string($0.1)) }, uniquingKeysWith: { first, _ in first })))
            headers.append(.init("Content-Type", APISettings.Auth.jsonContentType))
        } else {
            body = Array(fields.map { RequestBuilder.formEncode($0.0) + "=" + RequestBuilder.formEncode($0.1) }.joined(separator: "&").utf8)
            headers.append(.init("Content-Type", APISettings.Auth.formContentType))
        }
        return OutboundRequest(method: auth.effectiveTokenRequestMethod, url: url, headers: headers, body: body)
    }

    public enum TokenResult: Sendable, Equatable {
        case tokens(OAuthTokens)
        /// RFC 6749 §5.2: `error` and its description. `invalid_grant` means the grant (refresh token, code) is gone.
        case rejected(error: String, description: String?)
        case malformed(String)
    }

    /// Reads a token endpoint's answer. A missing refresh token in a refresh answer keeps `previousRefreshToken`
    /// (RFC 6749 §6: the server may keep the old one valid).
    public static func readTokenResponse(
        status: Int, body: [UInt8], auth: APISettings.Auth, now: Int64, previousRefreshToken: String?
    ) -> TokenResult {
        let json = JSONText.decode(body)
        if !(200..<300).contains(status) || json?["error"] != nil {
            if let error = json?["error"]?.stringValue {
                return .rejected(
                    error: String(error.prefix(100)), description: json?["error_description"]?.stringValue.map { String($0.prefix(500)) })
            }
            return .malformed("the token endpoint answered \(status) without an OAuth error")
        }
        guard let json else { return .malformed("the token endpoint's answer is not JSON") }
        func lookup(_ key: String) -> JSONValue? { json[key] ?? DottedPath(key)?.value(in: json) }
        guard let access = lookup(auth.effectiveTokenKey)?.stringValue, !access.isEmpty else {
            return .malformed("the token endpoint's answer has no \(auth.effectiveTokenKey)")
        }
        // The token goes into an Authorization header: printable ASCII only (RFC 6750 §2.1 is stricter still).
        guard isHeaderSafe(access) else { return .malformed("the access token is not printable ASCII of at most 16 KiB") }
        var expiresAt: Int64?
        if let value = lookup(auth.effectiveExpiresKey), value != .null {
            guard let seconds = lifetimeSeconds(value) else {
                return .malformed(
                    "the token endpoint's \(auth.effectiveExpiresKey) is not a lifetime in seconds from 0 to \(maximumLifetimeSeconds)")
            }
            expiresAt = now.addingSaturating(seconds.multipliedSaturating(by: 1000))
        }
        let refresh =
            lookup(auth.effectiveRefreshTokenKey)?.stringValue.flatMap { $0.isEmpty || !isHeaderSafe($0) ? nil : $0 } ?? previousRefreshToken
        return .tokens(OAuthTokens(accessToken: access, refreshToken: refresh, expiresAt: expiresAt, obtainedAt: now))
    }
}

extension OAuthProtocol {
    /// The longest token lifetime taken at its word (ten years); a longer or negative one is a malformed answer.
    public static let maximumLifetimeSeconds: Int64 = 315_360_000

    /// `expires_in` as providers send it: an integer, a number (fraction dropped) or a decimal string.
    static func lifetimeSeconds(_ value: JSONValue) -> Int64? {
        let seconds: Int64?
        switch value {
        case .int(let number): seconds = number
        case .double(let number): seconds = Int64(checkedTruncating: number)
        case .string(let text): seconds = Int64(text.trimmingWhitespace())
        default: seconds = nil
        }
        guard let seconds, (0...maximumLifetimeSeconds).contains(seconds) else { return nil }
        return seconds
    }

    static func isHeaderSafe(_ token: String) -> Bool {
        token.utf8.count <= 16_384 && token.unicodeScalars.allSatisfy { (0x21...0x7E).contains($0.value) }
    }
}

extension OAuthProtocol.Grant {
    var isRefresh: Bool {
        if case .refresh = self { true } else { false }
    }
}
