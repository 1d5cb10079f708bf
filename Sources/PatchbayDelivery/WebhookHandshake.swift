import Foundation
import PatchbayCore
import PatchbayStorage

/// The answer to a handshake, as the API reports it.
public struct HandshakeResult: Sendable, Encodable, Equatable {
    public var ok: Bool
    public var statusCode: Int?
    public var durationMs: Int
    /// Whether the receiver echoed `data.challenge` (2xx alone passes too).
    public var challengeEchoed: Bool
    public var error: String?
    public var deliveryId: String
}

/// Sends a signed `webhook.handshake` to one webhook and records it in the history: on creation and on
/// `POST …/webhooks/{wh}/test`. A failed handshake leaves the webhook `failing`; a passed one clears `failing`.
public struct WebhookHandshake: Sendable {
    let sender: WebhookSender
    let store: Store
    let clock: any TimeSource

    public init(sender: WebhookSender, store: Store, clock: any TimeSource) {
        self.sender = sender
        self.store = store
        self.clock = clock
    }

    public func run(_ webhook: Webhook, organizationPath: OrganizationPath, actor: Actor) async throws -> (HandshakeResult, Webhook) {
        let now = clock.nowMillis
        let challenge = "hs_" + TokenSecret.generate().token.dropFirst(TokenSecret.tag.count).prefix(24)
        let event = Event(
            id: Identifier.make(.event, nowMillis: now),
            type: "webhook.handshake",
            organizationId: webhook.organizationId,
            organizationPath: organizationPath,
            actor: actor,
            data: ["challenge": .string(String(challenge)), "webhookId": .string(webhook.id)],
            createdAt: now
        )
        let deliveryId = Identifier.make(.delivery, nowMillis: now)
        let request = try WebhookRequest.make(webhook: webhook, events: [event], messageId: deliveryId, timestamp: now / 1000, now: now)
        let outcome = await sender.send(request, verifyTls: webhook.verifyTls)
        var updated = webhook
        let ok = outcome.result == .success
        if ok, updated.state == .failing { updated.state = .active }
        if !ok, updated.state == .active { updated.state = .failing }
        updated.lastTriggeredAt = outcome.sentAt
        updated.lastStatus = outcome.statusCode
        try await store.deliveries.recordHandshake(event, webhook: updated, attempt: outcome.attempt(deliveryId: deliveryId))
        let echoed =
            (outcome.responseBody.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) })?["challenge"]
            == .string(String(challenge))
        return (
            HandshakeResult(
                ok: ok, statusCode: outcome.statusCode, durationMs: outcome.durationMs, challengeEchoed: echoed, error: outcome.error,
                deliveryId: deliveryId),
            updated
        )
    }
}
