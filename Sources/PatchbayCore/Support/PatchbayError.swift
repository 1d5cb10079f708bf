/// One thing wrong with a request: where (a JSON pointer into the body, or a query parameter) and why.
public struct FieldError: Sendable, Equatable, Codable {
    public var pointer: String?
    public var parameter: String?
    public var message: String
    /// For problems in an uploaded document (an API description): where in it.
    public var line: Int?
    public var column: Int?

    public init(pointer: String, _ message: String) {
        self.pointer = pointer
        self.message = message
    }

    public init(parameter: String, _ message: String) {
        self.parameter = parameter
        self.message = message
    }
}

/// A failure the client can act on. The HTTP edge renders it as RFC 9457 problem+json; it never carries
/// secrets or SQL.
public struct PatchbayError: Error, Sendable, Equatable {
    public struct Kind: Sendable, Hashable {
        public let status: Int
        public let slug: String
        public let title: String

        public init(status: Int, slug: String, title: String) {
            self.status = status
            self.slug = slug
            self.title = title
        }

        public static let malformed = Kind(status: 400, slug: "malformed-request", title: "Malformed request")
        public static let unauthenticated = Kind(status: 401, slug: "unauthenticated", title: "Unauthenticated")
        public static let forbidden = Kind(status: 403, slug: "forbidden", title: "Forbidden")
        public static let notFound = Kind(status: 404, slug: "not-found", title: "Not found")
        public static let routeNotFound = Kind(status: 404, slug: "route-not-found", title: "No such route")
        public static let methodNotAllowed = Kind(status: 405, slug: "method-not-allowed", title: "Method not allowed")
        public static let conflict = Kind(status: 409, slug: "conflict", title: "Conflict")
        public static let gone = Kind(status: 410, slug: "gone", title: "Gone")
        public static let tooLarge = Kind(status: 413, slug: "payload-too-large", title: "Payload too large")
        public static let unsupportedMediaType = Kind(
            status: 415,
            slug: "unsupported-media-type",
            title: "Unsupported media type"
        )
        public static let validation = Kind(status: 422, slug: "validation-failed", title: "Validation failed")
        public static let tooManyRequests = Kind(status: 429, slug: "rate-limited", title: "Too many requests")
        public static let unavailable = Kind(status: 503, slug: "unavailable", title: "Service unavailable")
        /// A third-party API (or its token endpoint) failed or answered something unusable.
        public static let badGateway = Kind(status: 502, slug: "upstream-failed", title: "Upstream failed")
        public static let gatewayTimeout = Kind(status: 504, slug: "upstream-timeout", title: "Upstream timed out")
        public static let internalError = Kind(status: 500, slug: "internal-error", title: "Internal error")
    }

    public var kind: Kind
    public var detail: String
    public var errors: [FieldError]
    /// Sent as `Retry-After` (a 429 or a 503 that will pass).
    public var retryAfterSeconds: Int?

    public init(_ kind: Kind, _ detail: String, errors: [FieldError] = [], retryAfterSeconds: Int? = nil) {
        self.kind = kind
        self.detail = detail
        self.errors = errors
        self.retryAfterSeconds = retryAfterSeconds
    }

    public static func validation(_ errors: [FieldError]) -> PatchbayError {
        let detail = errors.count == 1 ? errors[0].message : "\(errors.count) fields are invalid."
        return PatchbayError(.validation, detail, errors: errors)
    }

    public static func invalid(_ pointer: String, _ message: String) -> PatchbayError {
        validation([FieldError(pointer: pointer, message)])
    }

    public static func invalidParameter(_ parameter: String, _ message: String) -> PatchbayError {
        validation([FieldError(parameter: parameter, message)])
    }

    public static func notFound(_ what: String) -> PatchbayError {
        PatchbayError(.notFound, "\(what) was not found.")
    }
}
