/// What an installation authenticates with, as given at install time. Sealed at rest, never returned.
public struct ConnectorCredentials: Sendable, Equatable, Codable {
    public var apiKey: String?
    public var username: String?
    public var password: String?
    public var clientId: String?
    public var clientSecret: String?

    public init(apiKey: String? = nil, username: String? = nil, password: String? = nil, clientId: String? = nil, clientSecret: String? = nil) {
        self.apiKey = apiKey
        self.username = username
        self.password = password
        self.clientId = clientId
        self.clientSecret = clientSecret
    }

    public static let fields: Set<String> = ["apiKey", "username", "password", "clientId", "clientSecret"]

    /// What the auth type needs, as problems below `base` (`/credentials`).
    public func problems(for auth: APISettings.Auth, at base: String = "/credentials") -> [FieldError] {
        var problems: [FieldError] = []
        func require(_ field: String, _ value: String?) {
            if (value ?? "").isEmpty { problems.append(FieldError(pointer: "\(base)/\(field)", "is required for \(auth.type.rawValue) auth")) }
        }
        for (field, value) in [
            ("apiKey", apiKey), ("username", username), ("password", password), ("clientId", clientId), ("clientSecret", clientSecret),
        ] {
            guard let value else { continue }
            if value.utf8.count > 8192 || value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                problems.append(FieldError(pointer: "\(base)/\(field)", "must be at most 8192 bytes without control characters"))
            }
        }
        switch auth.type {
        case .none: break
        case .apiKey: require("apiKey", apiKey)
        case .basic:
            require("username", username)
            if let username, username.contains(":") {
                problems.append(FieldError(pointer: "\(base)/username", "must not contain a colon (RFC 7617)"))
            }
        case .oauth2:
            require("clientId", clientId)
            if auth.grantType == .clientCredentials { require("clientSecret", clientSecret) }
        }
        return problems
    }
}

/// The tokens an OAuth 2.0 installation holds. Sealed at rest.
public struct OAuthTokens: Sendable, Equatable, Codable {
    public var accessToken: String
    public var refreshToken: String?
    /// Milliseconds since the epoch; nil when the server gave no lifetime.
    public var expiresAt: Int64?
    public var obtainedAt: Int64

    public init(accessToken: String, refreshToken: String?, expiresAt: Int64?, obtainedAt: Int64) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresAt = expiresAt
        self.obtainedAt = obtainedAt
    }

    /// When a background refresh should happen: inside the buffer before expiry (automatic; only when there is a
    /// refresh token, or the client can ask again with its credentials), or one interval after it was obtained.
    public func refreshDueAt(auth: APISettings.Auth) -> Int64? {
        switch auth.effectiveRefreshStrategy {
        case .automatic:
            guard let expiresAt, refreshToken != nil || auth.grantType == .clientCredentials else { return nil }
            return expiresAt.subtractingSaturating(bufferMillis(auth))
        case .interval:
            return obtainedAt.addingSaturating(intervalMillis(auth))
        }
    }

    /// Whether to refresh before using the token: inside the buffer before expiry (automatic), or once the
    /// interval has passed since it was obtained (interval).
    public func needsRefresh(at now: Int64, auth: APISettings.Auth) -> Bool {
        switch auth.effectiveRefreshStrategy {
        case .automatic:
            guard let expiresAt else { return false }
            return now >= expiresAt.subtractingSaturating(bufferMillis(auth))
        case .interval:
            return now >= obtainedAt.addingSaturating(intervalMillis(auth)) || (expiresAt.map { now >= $0 } ?? false)
        }
    }

    // Stored times may come from a third party's answer: saturate rather than trap.
    private func bufferMillis(_ auth: APISettings.Auth) -> Int64 { Int64(auth.effectiveRefreshBufferSeconds).multipliedSaturating(by: 1000) }

    private func intervalMillis(_ auth: APISettings.Auth) -> Int64 {
        Int64(auth.refreshIntervalSeconds ?? APISettings.Auth.refreshIntervalRange.lowerBound).multipliedSaturating(by: 1000)
    }
}
