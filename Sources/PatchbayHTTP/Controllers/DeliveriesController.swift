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

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("listDeliveries", list)
        router.serve("getDelivery", get)
    }

    private func webhook(_ context: PatchbayRequestContext) async throws -> Webhook {
        try await dependencies.webhook(context, scope: .webhooksRead).1
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let webhook = try await webhook(context)
        var status: Delivery.Status?
        if let text = request.uri.queryParameters["status"] {
            guard let parsed = Delivery.Status(rawValue: String(text)) else {
                throw PatchbayError.invalidParameter("status", "must be one of pending, succeeded, retrying, failed")
            }
            status = parsed
        }
        let listRequest = try request.listRequest(sortable: ["createdAt", "status", "updatedAt"])
        return try JSONResponse.list(
            try await dependencies.store.deliveries.list(webhookId: webhook.id, status: status, listRequest), request: request)
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let webhook = try await webhook(context)
        let id = context.parameters.value("dlv")
        guard Identifier.isWellFormed(id, .delivery), let delivery = try await dependencies.store.deliveries.find(id: id, webhookId: webhook.id)
        else { throw PatchbayError.notFound("Delivery \(id.prefix(40))") }
        return try JSONResponse.make(Detail(delivery: delivery, attempts: try await dependencies.store.deliveries.attempts(deliveryId: delivery.id)))
    }
}
