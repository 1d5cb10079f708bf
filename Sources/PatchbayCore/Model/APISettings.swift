/// How an integration reaches its API: base URL, authentication and pagination (the `api` object).
public struct APISettings: Sendable, Equatable, Codable {
    /// Authentication, with every setting Rewst's custom integrations offer. Unset fields take the defaults below.
    public struct Auth: Sendable, Equatable, Codable {
        public enum Kind: String, Sendable, Codable, CaseIterable {
            case apiKey, basic, oauth2, none
        }

        public enum GrantType: String, Sendable, Codable, CaseIterable {
            case clientCredentials = "client_credentials"
            case authorizationCode = "authorization_code"
        }

        public enum RefreshStrategy: String, Sendable, Codable, CaseIterable {
            /// Refresh when the token is within `refreshBufferSeconds` of its expiry.
            case automatic
            /// Refresh every `refreshIntervalSeconds`, whatever the token says.
            case interval
        }

        public var type: Kind
        // apiKey
        public var headerName: String?
        public var preamble: String?
        public var `in`: String?
        public var queryParam: String?
        /// Sent with every request of every auth type.
        public var extraHeaders: [String: String]?
        // oauth2
        public var grantType: GrantType?
        public var authorizationUrl: String?
        public var tokenUrl: String?
        /// Where refreshes go when not the token URL.
        public var refreshUrl: String?
        public var scope: String?
        public var accessTokenScheme: String?
        public var tokenKey: String?
        public var expiresKey: String?
        public var refreshTokenKey: String?
        public var tokenRequestContentType: String?
        public var tokenRequestMethod: String?
        public var basicAuthOnExchange: Bool?
        public var includeClientConfigOnRefresh: Bool?
        public var includeRedirectUriOnRefresh: Bool?
        public var refreshStrategy: RefreshStrategy?
        public var refreshBufferSeconds: Int?
        public var refreshIntervalSeconds: Int?
        public var extraAuthorizationParams: [String: String]?

        public init(type: Kind) {
            self.type = type
        }

        public static let formContentType = "application/x-www-form-urlencoded"
        public static let jsonContentType = "application/json"
        public static let refreshBufferRange = 30...3600
        public static let refreshIntervalRange = 300...86400
        /// Nango refreshes 15 minutes early; Rewst's default buffer is 5 minutes. We take Rewst's, as its range is the contract.
        public static let defaultRefreshBufferSeconds = 300

        public var effectiveTokenKey: String { tokenKey ?? "access_token" }
        public var effectiveExpiresKey: String { expiresKey ?? "expires_in" }
        public var effectiveRefreshTokenKey: String { refreshTokenKey ?? "refresh_token" }
        public var effectiveAccessTokenScheme: String { accessTokenScheme ?? "Bearer" }
        public var effectiveTokenRequestContentType: String { tokenRequestContentType ?? Self.formContentType }
        public var effectiveTokenRequestMethod: String { tokenRequestMethod ?? "POST" }
        public var effectiveRefreshStrategy: RefreshStrategy { refreshStrategy ?? .automatic }
        public var effectiveRefreshBufferSeconds: Int { refreshBufferSeconds ?? Self.defaultRefreshBufferSeconds }
        /// Where the API key goes: `header` unless set to `query`.
        public var keyInQuery: Bool { self.in == "query" }
    }

    public struct Pagination: Sendable, Equatable, Codable {
        public enum Kind: String, Sendable, Codable, CaseIterable {
            case none, index, page, link, pointer
        }

        public static let maximumPageSize = 1000
        public static let maximumPageLimit = 20

        public var type: Kind
        public var resultsKey: String?
        public var pageSizeParam: String?
        public var defaultPageSize: Int?
        public var pageLimit: Int?
        public var indexParam: String?
        public var pageParam: String?
        public var linkLocation: String?
        public var headerName: String?
        public var headerRel: String?
        public var nextPageKey: String?
        public var afterParam: String?
        public var pointerPath: String?

        public init(type: Kind) {
            self.type = type
        }

        public var effectivePageLimit: Int { min(pageLimit ?? 10, Self.maximumPageLimit) }
        public var linkInBody: Bool { linkLocation == "body" }
    }

    public var baseUrl: String?
    public var auth: Auth
    public var pagination: Pagination

    public init(baseUrl: String?, auth: Auth, pagination: Pagination) {
        self.baseUrl = baseUrl
        self.auth = auth
        self.pagination = pagination
    }
}
