import Foundation
import NIOCore
import PatchbayCore

/// Calls an endpoint integration synchronously (Turn's context integrations): the payload goes to the endpoint's
/// URL as JSON, signed with its secret like every delivery (Standard Webhooks headers, its authorization), through
/// the guarded client, and the endpoint's JSON answer comes back.
public struct EndpointCaller: Sendable {
    public static let timeout: TimeAmount = .seconds(10)
    public static let maxResponseBytes = 1 << 20

    let sender: WebhookSender
    let clock: any TimeSource

    public init(sender: WebhookSender, clock: any TimeSource) {
        self.sender = sender
        self.clock = clock
    }

    public struct Answer: Sendable {
        public var status: Int
        /// The endpoint's JSON (empty when it answered without a body).
        public var body: [UInt8]
        public var durationMs: Int
        /// The `webhook-id` the call was signed with.
        public var messageId: String
    }

    /// Sends `payload` (JSON bytes) to `webhook`'s URL. Failures are problems for the caller: 502 when the endpoint
    /// cannot be reached, refuses (non-2xx), or answers something other than JSON; 504 past the timeout.
    public func call(_ webhook: Webhook, payload: [UInt8], timeout: TimeAmount = Self.timeout) async throws -> Answer {
        let now = clock.nowMillis
        let messageId = Identifier.make(.message, nowMillis: now)
        let request = WebhookRequest.signed(webhook: webhook, body: payload, messageId: messageId, timestamp: now / 1000, now: now)
        let outbound = OutboundRequest(
            method: "POST", url: request.url, headers: request.headers.map { OutboundRequest.Header($0.0, $0.1) }, body: request.body)
        let start = ContinuousClock.now
        let response: OutboundResponse
        do {
            response = try await sender.client.execute(
                outbound, timeout: timeout, maxResponseBytes: Self.maxResponseBytes, verifyTls: webhook.verifyTls)
        } catch let error as DeliveryError {
            throw PatchbayError(.badGateway, "The endpoint was not called: \(error.description).")
        } catch  where GuardedHTTPClient.isTimeout(error) {
            throw PatchbayError(.gatewayTimeout, "The endpoint did not answer within \(timeout.nanoseconds / 1_000_000) ms.")
        } catch {
            throw PatchbayError(.badGateway, "The endpoint could not be reached: \(GuardedHTTPClient.describe(error)).")
        }
        let elapsed = ContinuousClock.now - start
        let durationMs = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        guard !response.truncated else {
            throw PatchbayError(.badGateway, "The endpoint's answer exceeds \(Self.maxResponseBytes) bytes.")
        }
        guard (200..<300).contains(response.status) else {
            let excerpt = String(decoding: response.body.prefix(200), as: UTF8.self)
            throw PatchbayError(.badGateway, "The endpoint answered \(response.status)\(excerpt.isEmpty ? "" : ": \(excerpt)").")
        }
        let blank = response.body.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        if !blank, (try? JSONDecoder().decode(JSONValue.self, from: Data(response.body))) == nil {
            throw PatchbayError(.badGateway, "The endpoint answered \(response.status) with a body that is not JSON.")
        }
        return Answer(status: response.status, body: blank ? [] : response.body, durationMs: durationMs, messageId: messageId)
    }
}
