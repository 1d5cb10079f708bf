import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PatchbayCore
import Synchronization

/// An OAuth 2.0 authorization server that follows RFC 6749 and RFC 7636 to the letter, written independently of
/// Patchbay's client: `/authorize` (code flow, PKCE S256 required), `/token` (authorization_code, refresh_token with
/// rotation, client_credentials; client authentication by HTTP Basic or body, never both), and a protected
/// resource `/api/me` that accepts only live access tokens. Time comes from the given clock, shared with Patchbay.
public final class OAuthTestServer: Sendable {
    public struct Options: Sendable {
        public var clientId = "client-1"
        /// Spaces and a colon test the form-encoding before Base64 (RFC 6749 §2.3.1).
        public var clientSecret = "s3cret value:with/odd+chars"
        public var accessTokenLifetime: Int64 = 3600
        /// Issue a new refresh token on refresh (and invalidate the old one).
        public var rotateRefreshTokens = true
        /// How long the token endpoint takes to answer (so concurrent refreshes overlap).
        public var tokenDelayMillis: Int64 = 0
        public init() {}
    }

    struct Code {
        var clientId: String
        var redirectURI: String
        var challenge: String
        var used = false
        var issuedAt: Int64
    }

    struct State {
        var registeredRedirects: Set<String> = []
        var codes: [String: Code] = [:]
        var accessTokens: [String: Int64] = [:]
        var refreshTokens: [String: String] = [:]
        /// Token → the authorization code it descends from (directly or through refreshes).
        var families: [String: String] = [:]
        var grants: [String: Int] = [:]
        /// Answers to give the next token requests instead of serving them: (status, Retry-After).
        var failures: [(Int, String?)] = []
        var tokenRequests: [[String: String]] = []
        var options: Options
    }

    private let state: Mutex<State>
    let clock: any TimeSource

    public init(options: Options = .init(), clock: any TimeSource) {
        self.state = Mutex(State(options: options))
        self.clock = clock
    }

    public var options: Options { state.withLock { $0.options } }
    public func register(redirectURI: String) { state.withLock { _ = $0.registeredRedirects.insert(redirectURI) } }
    public func grants(_ type: String) -> Int { state.withLock { $0.grants[type] ?? 0 } }
    public func failNextTokenRequests(_ answers: [(Int, String?)]) { state.withLock { $0.failures = answers } }
    public var tokenRequests: [[String: String]] { state.withLock { $0.tokenRequests } }
    public func setTokenDelay(_ millis: Int64) { state.withLock { $0.options.tokenDelayMillis = millis } }

    /// A refresh token as if issued by an earlier authorization (tests seed installations with it).
    public func issueRefreshToken() -> String {
        let token = "rt-" + UUID().uuidString
        state.withLock { $0.refreshTokens[token] = $0.options.clientId }
        return token
    }

    public func run<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.get("/authorize") { request, _ in self.authorize(request) }
        router.post("/token") { request, _ in try await self.token(request) }
        router.get("/api/me") { request, _ in self.me(request) }
        return try await TestHTTPServer.run(router: router, body)
    }

    // MARK: - Authorization endpoint (§4.1.1, §4.1.2, RFC 7636 §4.3)

    func authorize(_ request: Request) -> Response {
        let query = request.uri.queryParameters
        let clientId = query["client_id"].map(String.init)
        let redirect = query["redirect_uri"].map(String.init)
        // §4.1.2.1: with a bad client or redirect URI, the user is told and NOT redirected.
        guard clientId == options.clientId, let redirect, state.withLock({ $0.registeredRedirects.contains(redirect) }) else {
            return Self.text(.badRequest, "invalid client or redirect_uri")
        }
        let stateValue = query["state"].map(String.init)
        func fail(_ error: String) -> Response {
            var target = QueryString.setting("error", to: error, in: redirect)
            if let stateValue { target = QueryString.setting("state", to: stateValue, in: target) }
            return Response(status: .found, headers: [.location: target])
        }
        guard query["response_type"] == "code" else { return fail("unsupported_response_type") }
        guard let challenge = query["code_challenge"].map(String.init), challenge.count == 43, query["code_challenge_method"] == "S256" else {
            return fail("invalid_request")
        }
        let code = UUID().uuidString
        let client = options.clientId
        state.withLock { $0.codes[code] = Code(clientId: client, redirectURI: redirect, challenge: challenge, issuedAt: clock.nowMillis) }
        var target = QueryString.setting("code", to: code, in: redirect)
        if let stateValue { target = QueryString.setting("state", to: stateValue, in: target) }
        return Response(status: .found, headers: [.location: target])
    }

    // MARK: - Token endpoint (§3.2, §4.1.3, §4.4, §6)

    func token(_ request: Request) async throws -> Response {
        let delay = options.tokenDelayMillis
        if delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
        if let failure = state.withLock({ $0.failures.isEmpty ? nil : $0.failures.removeFirst() }) {
            var headers: HTTPFields = [:]
            if let retryAfter = failure.1 { headers[HTTPField.Name("Retry-After")!] = retryAfter }
            return Response(status: .init(code: failure.0), headers: headers)
        }
        guard request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true else {
            return Self.error("invalid_request", "the token request must be form-encoded")
        }
        let body = String(buffer: try await request.body.collect(upTo: 1 << 16))
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.formDecode(parts[0])
            // §3.2: parameters must not be repeated.
            if fields[key] != nil { return Self.error("invalid_request", "repeated parameter \(key)") }
            fields[key] = parts.count > 1 ? Self.formDecode(parts[1]) : ""
        }
        var recorded = fields
        if let authorization = request.headers[.authorization] { recorded["authorization"] = authorization }
        state.withLock { $0.tokenRequests.append(recorded) }
        // §2.3.1: Basic with form-encoded id and secret, or both in the body; never both methods.
        var clientId: String?
        var clientSecret: String?
        if let authorization = request.headers[.authorization] {
            if fields["client_secret"] != nil { return Self.error("invalid_request", "client authenticated twice") }
            guard authorization.hasPrefix("Basic "), let decoded = Data(base64Encoded: String(authorization.dropFirst(6))),
                let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":")
            else { return Self.invalidClient() }
            clientId = Self.formDecode(pair[..<colon])
            clientSecret = Self.formDecode(pair[pair.index(after: colon)...])
        } else {
            clientId = fields["client_id"]
            clientSecret = fields["client_secret"]
        }
        guard clientId == options.clientId, clientSecret == options.clientSecret else { return Self.invalidClient() }
        let now = clock.nowMillis
        switch fields["grant_type"] {
        case "authorization_code":
            guard let code = fields["code"], let verifier = fields["code_verifier"], let redirect = fields["redirect_uri"] else {
                return Self.error("invalid_request", "code, code_verifier and redirect_uri are required")
            }
            return state.withLock { state -> Response in
                guard var issued = state.codes[code], issued.clientId == clientId else { return Self.error("invalid_grant", "unknown code") }
                // A replay is a leak, expired or not: check it first.
                if issued.used {
                    // §4.1.2: a code used twice revokes every token issued from it, refreshed ones included.
                    for (token, family) in state.families where family == code {
                        state.accessTokens.removeValue(forKey: token)
                        state.refreshTokens.removeValue(forKey: token)
                    }
                    return Self.error("invalid_grant", "code already used")
                }
                guard now - issued.issuedAt < 600_000 else { return Self.error("invalid_grant", "expired code") }
                issued.used = true
                state.codes[code] = issued
                guard issued.redirectURI == redirect else { return Self.error("invalid_grant", "redirect_uri does not match") }
                let challenge = Data(SHA256.hash(data: Data(verifier.utf8))).base64EncodedString()
                    .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
                guard challenge == issued.challenge else { return Self.error("invalid_grant", "PKCE verification failed") }
                state.grants["authorization_code", default: 0] += 1
                return Self.issue(&state, now: now, refresh: true, family: code)
            }
        case "refresh_token":
            guard let refresh = fields["refresh_token"] else { return Self.error("invalid_request", "refresh_token is required") }
            return state.withLock { state -> Response in
                guard state.refreshTokens[refresh] == clientId else { return Self.error("invalid_grant", "unknown refresh token") }
                state.grants["refresh_token", default: 0] += 1
                let family = state.families[refresh]
                if state.options.rotateRefreshTokens {
                    state.refreshTokens.removeValue(forKey: refresh)
                    return Self.issue(&state, now: now, refresh: true, family: family)
                }
                return Self.issue(&state, now: now, refresh: false, family: family)
            }
        case "client_credentials":
            return state.withLock { state -> Response in
                state.grants["client_credentials", default: 0] += 1
                // §4.4.3: no refresh token for client credentials.
                return Self.issue(&state, now: now, refresh: false, family: nil)
            }
        default:
            return Self.error("unsupported_grant_type", nil)
        }
    }

    private static func issue(_ state: inout State, now: Int64, refresh: Bool, family: String?) -> Response {
        let access = "at-" + UUID().uuidString
        state.accessTokens[access] = now + state.options.accessTokenLifetime * 1000
        var body: [String: JSONValue] = [
            "access_token": .string(access), "token_type": "Bearer", "expires_in": .int(state.options.accessTokenLifetime),
        ]
        var issued = [access]
        if refresh {
            let token = "rt-" + UUID().uuidString
            state.refreshTokens[token] = state.options.clientId
            body["refresh_token"] = .string(token)
            issued.append(token)
        }
        if let family { for token in issued { state.families[token] = family } }
        let data = (try? JSONEncoder().encode(JSONValue.object(body))) ?? Data()
        // §5.1: no caching of token responses.
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store", HTTPField.Name("Pragma")!: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: - Protected resource (RFC 6750)

    func me(_ request: Request) -> Response {
        guard let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer ") else {
            return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer"])
        }
        let token = String(authorization.dropFirst(7))
        let now = clock.nowMillis
        guard let expiry = state.withLock({ $0.accessTokens[token] }), expiry > now else {
            return Response(status: .unauthorized, headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#])
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"me":"client-1"}"#)))
    }

    // MARK: - Helpers

    static func formDecode(_ text: Substring) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
    }

    static func error(_ code: String, _ description: String?) -> Response {
        var body: [String: JSONValue] = ["error": .string(code)]
        if let description { body["error_description"] = .string(description) }
        let data = (try? JSONEncoder().encode(JSONValue.object(body))) ?? Data()
        return Response(
            status: .badRequest, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// §5.2: invalid_client is 401 with a challenge when the client tried HTTP authentication.
    static func invalidClient() -> Response {
        let data = Data(#"{"error":"invalid_client"}"#.utf8)
        return Response(
            status: .unauthorized, headers: [.contentType: "application/json", .wwwAuthenticate: #"Basic realm="token""#],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
