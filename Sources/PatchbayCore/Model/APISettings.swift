/// How an integration reaches its API: base URL, authentication and pagination (the `api` object).
public struct APISettings: Sendable, Equatable, Codable {
    public struct Auth: Sendable, Equatable, Codable {
        public enum Kind: String, Sendable, Codable, CaseIterable {
            case apiKey, basic, oauth2, none
        }

        public var type: Kind
        // apiKey
        public var headerName: String?
        public var preamble: String?
        public var `in`: String?
        public var queryParam: String?
        // oauth2
        public var grantType: String?
        public var authorizationUrl: String?
        public var tokenUrl: String?
        public var refreshUrl: String?
        public var scope: String?

        public init(type: Kind) {
            self.type = type
        }
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
