/// One HTTP attempt of a delivery, as the history shows it (the authorization header already masked).
public struct DeliveryAttempt: Sendable, Equatable {
    public enum Result: String, Sendable, Codable {
        case success
        case httpError = "http_error"
        case timeout
        case error
    }

    public var id: String
    public var deliveryId: String
    public var sentAt: Int64
    public var url: String
    public var statusCode: Int?
    public var result: Result
    public var durationMs: Int
    public var requestHeaders: [String: String]
    public var requestBody: String
    public var responseHeaders: [String: String]
    public var responseBody: String?
    public var error: String?
    /// Which of the webhook's secrets signed it: `current`, and `previous` while a rotated-out secret was still in
    /// its grace period (empty for attempts recorded before this was kept).
    public var signedWith: [String]

    public init(
        id: String, deliveryId: String, sentAt: Int64, url: String, statusCode: Int?, result: Result, durationMs: Int,
        requestHeaders: [String: String], requestBody: String, responseHeaders: [String: String], responseBody: String?, error: String?,
        signedWith: [String] = ["current"]
    ) {
        self.id = id
        self.deliveryId = deliveryId
        self.sentAt = sentAt
        self.url = url
        self.statusCode = statusCode
        self.result = result
        self.durationMs = durationMs
        self.requestHeaders = requestHeaders
        self.requestBody = requestBody
        self.responseHeaders = responseHeaders
        self.responseBody = responseBody
        self.error = error
        self.signedWith = signedWith
    }
}

extension DeliveryAttempt: Encodable {
    enum CodingKeys: String, CodingKey {
        case id, sentAt, url, statusCode, result, durationMs, requestHeaders, requestBody, responseHeaders, responseBody, error, signedWith
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(Timestamp.format(sentAt), forKey: .sentAt)
        try container.encode(url, forKey: .url)
        try container.encode(statusCode, forKey: .statusCode)
        try container.encode(result, forKey: .result)
        try container.encode(durationMs, forKey: .durationMs)
        try container.encode(requestHeaders, forKey: .requestHeaders)
        try container.encode(requestBody, forKey: .requestBody)
        try container.encode(responseHeaders, forKey: .responseHeaders)
        try container.encode(responseBody, forKey: .responseBody)
        try container.encode(error, forKey: .error)
        try container.encode(signedWith, forKey: .signedWith)
    }
}
