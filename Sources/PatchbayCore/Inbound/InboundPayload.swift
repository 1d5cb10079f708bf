import Foundation

/// What a verified inbound request says, read without I/O: the event data, the provider's delivery id (so a
/// redelivery is accepted once), and whether it is Slack's URL verification challenge.
public struct InboundPayload: Sendable, Equatable {
    /// The event `data`: the JSON object of the body (a form body becomes an object of its fields, or the JSON of
    /// its `payload` field, as GitHub and Slack send it).
    public var data: JSONValue
    /// The provider's id for this delivery, when it sends one.
    public var deliveryId: String?
    /// Slack's `url_verification` challenge, to be echoed instead of stored.
    public var slackChallenge: String?

    /// Why a verified body cannot become an event.
    public struct Problem: Error, Sendable, Equatable {
        public var pointer: String
        public var message: String
        /// The body could not be read at all (as opposed to read and found wanting).
        public var malformed = false
    }

    public static let maxDeliveryIdLength = 255

    /// Reads `body` as sent with `headers` (lower-cased names) to an endpoint using `scheme`.
    public static func read(body: [UInt8], headers: [String: String], scheme: InboundVerification.Scheme) -> Result<InboundPayload, Problem> {
        let data: JSONValue
        switch parse(body: body, contentType: headers["content-type"]) {
        case .success(let value): data = value
        case .failure(let problem): return .failure(problem)
        }
        var challenge: String?
        if scheme == .slack, data["type"] == "url_verification", let value = data["challenge"]?.stringValue { challenge = value }
        return .success(InboundPayload(data: data, deliveryId: deliveryId(headers: headers, data: data, scheme: scheme), slackChallenge: challenge))
    }

    static func parse(body: [UInt8], contentType: String?) -> Result<JSONValue, Problem> {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return .success(.object([:])) }
        let mediaType = (contentType ?? "").split(separator: ";").first.map { $0.trimmingWhitespace().lowercased() } ?? ""
        if mediaType == "application/x-www-form-urlencoded" {
            guard let text = String(validating: body, as: UTF8.self) else {
                return .failure(Problem(pointer: "", message: "the form body is not UTF-8", malformed: true))
            }
            let pairs = QueryString(url: "?" + text).pairs
            if pairs.count == 1, pairs[0].0 == "payload", case .success(let value) = json(Array(pairs[0].1.utf8)) {
                return object(value, pointer: "/payload")
            }
            var members: [String: JSONValue] = [:]
            for (name, value) in pairs { members[name] = .string(value) }
            return .success(.object(members))
        }
        return json(body).flatMap { object($0, pointer: "") }
    }

    private static func json(_ bytes: [UInt8]) -> Result<JSONValue, Problem> {
        do {
            return .success(try JSONDecoder().decode(JSONValue.self, from: Data(bytes)))
        } catch {
            return .failure(Problem(pointer: "", message: "the body is not JSON (send application/json or a form)", malformed: true))
        }
    }

    private static func object(_ value: JSONValue, pointer: String) -> Result<JSONValue, Problem> {
        guard case .object = value else { return .failure(Problem(pointer: pointer, message: "must be a JSON object")) }
        return .success(value)
    }

    /// The provider's delivery id: each scheme's own (`webhook-id`, `X-GitHub-Delivery`, the Stripe event's `id`,
    /// the Slack event's `event_id`), else an `Idempotency-Key` or `webhook-id` header. Ids longer than 255
    /// characters are kept as their SHA-256.
    static func deliveryId(headers: [String: String], data: JSONValue, scheme: InboundVerification.Scheme) -> String? {
        let own: String? =
            switch scheme {
            case .standardWebhooks: headers["webhook-id"]
            case .github: headers["x-github-delivery"]
            case .stripe: data["id"]?.stringValue
            case .slack: data["event_id"]?.stringValue
            default: nil
            }
        guard let id = own ?? headers["idempotency-key"] ?? headers["webhook-id"], !id.isEmpty else { return nil }
        return id.utf8.count > maxDeliveryIdLength ? "sha256:" + TokenSecret.sha256Hex(id) : id
    }

    /// The headers as stored in the history: credentials masked (`authorization`, cookies, and the header the
    /// `header` scheme compares with its secret).
    public static func recordedHeaders(_ headers: [String: String], verification: InboundVerification) -> [String: String] {
        var masked: Set<String> = ["authorization", "proxy-authorization", "cookie"]
        if verification.scheme == .header, let name = verification.header?.lowercased() { masked.insert(name) }
        var result = headers
        for name in masked where result[name] != nil { result[name] = "****" }
        return result
    }

    /// The body as stored: UTF-8 text when it is (and holds no NUL, which PostgreSQL's text refuses), else base64.
    public static func storedBody(_ body: [UInt8]) -> (text: String, encoding: String) {
        if !body.contains(0), let text = String(validating: body, as: UTF8.self) { return (text, "utf8") }
        return (Data(body).base64EncodedString(), "base64")
    }
}
