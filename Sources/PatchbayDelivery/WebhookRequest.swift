import Foundation
import PatchbayCore

/// The HTTP request for one delivery: Standard Webhooks headers, the configured authorization and headers, and a
/// JSON (or form) body holding one envelope or `{"events": [...]}`.
public struct WebhookRequest: Sendable, Equatable {
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Headers whose values the history masks: `authorization` and the webhook's own headers (which often carry
    /// credentials), lowercased.
    public var maskedHeaderNames: Set<String> = Self.authorizationOnly
    /// Which of the webhook's secrets signed the request: `current`, and `previous` while a rotated-out secret is
    /// still in its grace period.
    public var signedWith: [String] = Self.currentOnly

    // Shared: a literal here allocated a set and an array for every request.
    private static let authorizationOnly: Set<String> = ["authorization"]
    private static let currentOnly = ["current"]
    private static let currentAndPrevious = ["current", "previous"]

    public static func == (lhs: WebhookRequest, rhs: WebhookRequest) -> Bool {
        lhs.url == rhs.url && lhs.body == rhs.body && lhs.headers.map { "\($0.0):\($0.1)" } == rhs.headers.map { "\($0.0):\($0.1)" }
    }

    /// Builds the request. `messageId` is the `webhook-id`: stable across retries of the same delivery, so receivers
    /// can de-duplicate; `timestamp` is the attempt's, in seconds.
    public static func make(webhook: Webhook, events: [Event], messageId: String, timestamp: Int64, now: Int64) throws -> WebhookRequest {
        make(webhook: webhook, envelopes: try events.map { try $0.envelope() }, messageId: messageId, timestamp: timestamp, now: now)
    }

    /// Builds the request from envelopes already rendered: `{"events":[...]}` for a batching webhook or several
    /// events, the one envelope otherwise.
    public static func make(webhook: Webhook, envelopes: [EventEnvelope], messageId: String, timestamp: Int64, now: Int64) -> WebhookRequest {
        var payload: [UInt8]
        if webhook.maxEventsPerRequest > 1 || envelopes.count > 1 {
            payload = Array(#"{"events":["#.utf8)
            payload.reserveCapacity(envelopes.reduce(16) { $0 + $1.json.count + 1 })
            for (index, envelope) in envelopes.enumerated() {
                if index > 0 { payload.append(0x2C) }
                payload.append(contentsOf: envelope.json)
            }
            payload.append(contentsOf: "]}".utf8)
        } else {
            payload = envelopes.first?.json ?? Array("{}".utf8)
        }
        var body = payload
        var contentType = "application/json"
        if webhook.format == .form {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            let encoded = String(decoding: payload, as: UTF8.self).addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
            body = Array("payload=\(encoded)".utf8)
            contentType = "application/x-www-form-urlencoded"
        }
        return signed(webhook: webhook, body: body, contentType: contentType, messageId: messageId, timestamp: timestamp, now: now)
    }

    /// A request to the webhook's URL carrying `body`, signed with the webhook's secrets (Standard Webhooks), with its
    /// authorization and headers: deliveries and endpoint-integration calls alike.
    public static func signed(
        webhook: Webhook, body: [UInt8], contentType: String = "application/json", messageId: String, timestamp: Int64, now: Int64
    ) -> WebhookRequest {
        let secrets = webhook.signingSecrets(at: now)
        var headers: [(String, String)] = [
            ("content-type", contentType),
            ("user-agent", "Patchbay-Webhooks/1.0"),
            ("webhook-id", messageId),
            ("webhook-timestamp", String(timestamp)),
            (
                "webhook-signature",
                StandardWebhooks.signatureHeader(id: messageId, timestamp: timestamp, body: body, secrets: secrets)
            ),
        ]
        if let authorization = webhook.authorization { headers.append(("authorization", authorization.headerValue)) }
        if !webhook.headers.isEmpty {
            for (name, value) in webhook.headers.sorted(by: { $0.key < $1.key }) { headers.append((name, value)) }
        }
        var request = WebhookRequest(url: webhook.url, headers: headers, body: body)
        if !webhook.headers.isEmpty { request.maskedHeaderNames.formUnion(webhook.headers.keys.map { $0.lowercased() }) }
        if secrets.count > 1 { request.signedWith = currentAndPrevious }
        return request
    }

    /// The headers as stored in history: the authorization and the webhook's own header values masked.
    public var recordedHeaders: [String: String] {
        var result: [String: String] = [:]
        result.reserveCapacity(headers.count)
        for (name, value) in headers {
            result[name] = maskedHeaderNames.contains(OutboundResponse.lowercased(name)) ? Self.mask(value) : value
        }
        return result
    }

    static func mask(_ value: String) -> String {
        let parts = value.split(separator: " ", maxSplits: 1)
        return parts.count == 2 ? "\(parts[0]) ****" : "****"
    }
}
