import Hummingbird
import PatchbayCore
import PatchbayStorage

/// `…/webhooks/{wh}/deliveries`: the delivery history of a webhook.
struct DeliveriesController {
    let dependencies: APIDependencies

    /// A delivery with its attempts (recorded by the delivery engine); `attempts` is the list here, and the count
    /// moves to `attemptCount`.
    struct Detail: Encodable {
        var delivery: Delivery
        var attempts: [DeliveryAttempt]

        enum CodingKeys: CodingKey { case id, webhookId, eventIds, status, attemptCount, attempts, lastAttemptAt, nextAttemptAt, createdAt }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(delivery.id, forKey: .id)
            try container.encode(delivery.webhookId, forKey: .webhookId)
            try container.encode(delivery.eventIds, forKey: .eventIds)
            try container.encode(delivery.status, forKey: .status)
            try container.encode(delivery.attemptCount, forKey: .attemptCount)
            try container.encode(attempts, forKey: .attempts)
            try container.encode(delivery.lastAttemptAt.map(Timestamp.format), forKey: .lastAttemptAt)
            try container.encode(delivery.nextAttemptAt.map(Timestamp.format), forKey: .nextAttemptAt)
            try container.encode(Timestamp.format(delivery.createdAt), forKey: .createdAt)
        }
    }

    struct RecoverBody: RequestBody {
        static let fields: Set<String> = ["since"]
        var since: String
    }

    struct Recovered: Encodable {
        var recovered: Int
        /// Held deliveries released (they keep their ids; `data` lists the failed ones queued again).
        var released: Int
        var data: [Delivery]
    }

    /// Recovery re-queues at most this many failed deliveries per call; call again for more.
    static let maxRecover = 10_000

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("listDeliveries", list)
        router.serve("getDelivery", get)
        router.serve("resendDelivery", resend)
        router.serve("recoverWebhook", recover)
    }

    private static func requireSending(_ webhook: Webhook) throws {
        guard webhook.state == .active || webhook.state == .failing else {
            throw PatchbayError(.conflict, "Webhook \(webhook.id) is \(webhook.state.rawValue); set active: true before sending to it again.")
        }
    }

    /// `POST …/deliveries/{dlv}/resend`: the same delivery again, now: the same id (so the same `webhook-id`), one
    /// more attempt in its history.
    @Sendable func resend(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let (_, webhook) = try await dependencies.webhook(context, scope: .webhooksWrite)
        let id = context.parameters.value("dlv")
        guard Identifier.isWellFormed(id, .delivery), let delivery = try await dependencies.store.deliveries.find(id: id, of: webhook)
        else { throw PatchbayError.notFound("Delivery \(id.prefix(40))") }
        try Self.requireSending(webhook)
        guard delivery.status != .held else {
            throw PatchbayError(.conflict, "Delivery \(delivery.id) is held until its webhook is active again.")
        }
        guard let queued = try await dependencies.store.deliveries.requeue([delivery], now: dependencies.clock.nowMillis).first else {
            throw PatchbayError(.conflict, "Delivery \(delivery.id) is being sent right now; resend it once that attempt is recorded.")
        }
        return try JSONResponse.make(queued, status: .accepted)
    }

    /// `POST …/webhooks/{wh}/recover {since}`: every failed delivery since then, again, and the held ones since then
    /// released (`recovered` counts both).
    @Sendable func recover(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let (_, webhook) = try await dependencies.webhook(context, scope: .webhooksWrite)
        let body = try await request.decode(RecoverBody.self, context: context)
        let now = dependencies.clock.nowMillis
        guard let since = Timestamp.parse(body.since) else {
            throw PatchbayError.invalid("/since", "must be an RFC 3339 date-time such as 2026-11-22T10:00:00Z")
        }
        guard since <= now else { throw PatchbayError.invalid("/since", "must not be in the future") }
        try Self.requireSending(webhook)
        var failed: [Delivery] = []
        for delivery in try await dependencies.store.deliveries.failed(webhookId: webhook.id, since: since, limit: Self.maxRecover) {
            // A failed handshake is history, not an event to deliver.
            let events = try await dependencies.store.deliveries.events(delivery.eventIds)
            if !events.values.allSatisfy({ $0.type == "webhook.handshake" }) { failed.append(delivery) }
        }
        let released = try await dependencies.store.webhooks.releaseHeld(webhookId: webhook.id, since: since, now: now)
        let queued = try await dependencies.store.deliveries.requeue(failed, now: now)
        return try JSONResponse.make(Recovered(recovered: queued.count + released, released: released, data: queued), status: .accepted)
    }

    private func webhook(_ context: PatchbayRequestContext) async throws -> Webhook {
        try await dependencies.webhook(context, scope: .webhooksRead).1
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let webhook = try await webhook(context)
        var status: Delivery.Status?
        if let text = request.uri.queryParameters["status"] {
            guard let parsed = Delivery.Status(rawValue: String(text)) else {
                throw PatchbayError.invalidParameter("status", "must be one of pending, succeeded, retrying, failed, held")
            }
            status = parsed
        }
        let listRequest = try request.listRequest(sortable: ["createdAt", "status", "updatedAt"])
        return try JSONResponse.list(
            try await dependencies.store.deliveries.list(of: webhook, status: status, listRequest), request: request)
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let webhook = try await webhook(context)
        let id = context.parameters.value("dlv")
        guard Identifier.isWellFormed(id, .delivery), let delivery = try await dependencies.store.deliveries.find(id: id, of: webhook)
        else { throw PatchbayError.notFound("Delivery \(id.prefix(40))") }
        return try JSONResponse.make(Detail(delivery: delivery, attempts: try await dependencies.store.deliveries.attempts(deliveryId: delivery.id)))
    }
}
