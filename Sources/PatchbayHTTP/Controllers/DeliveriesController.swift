import Hummingbird
import PatchbayCore
import PatchbayServices

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

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("listDeliveries", list)
        router.serve("getDelivery", get)
        router.serve("resendDelivery", resend)
        router.serve("recoverWebhook", recover)
    }

    private var deliveries: DeliveryService { dependencies.services.deliveries }

    /// `POST …/deliveries/{dlv}/resend`: the same delivery again, now.
    @Sendable func resend(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let queued = try await deliveries.resend(
            context.parameters.value("dlv"), webhookId: context.parameters.value("wh"), organizationId: context.parameters.value("org"),
            by: try context.requirePrincipal())
        return try JSONResponse.make(queued, status: .accepted)
    }

    /// `POST …/webhooks/{wh}/recover {since}`: every failed delivery since then, again, and the held ones since then
    /// released (`recovered` counts both).
    @Sendable func recover(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        _ = try await dependencies.webhook(context, scope: .webhooksWrite)
        let body = try await request.decode(RecoverBody.self, context: context)
        guard let since = Timestamp.parse(body.since) else {
            throw PatchbayError.invalid("/since", "must be an RFC 3339 date-time such as 2026-11-22T10:00:00Z")
        }
        let recovered = try await deliveries.recover(
            webhookId: context.parameters.value("wh"), since: since, organizationId: context.parameters.value("org"),
            by: try context.requirePrincipal())
        return try JSONResponse.make(
            Recovered(recovered: recovered.queued.count + recovered.released, released: recovered.released, data: recovered.queued), status: .accepted
        )
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        _ = try await dependencies.webhook(context, scope: .webhooksRead)
        var status: Delivery.Status?
        if let text = request.uri.queryParameters["status"] {
            guard let parsed = Delivery.Status(rawValue: String(text)) else {
                throw PatchbayError.invalidParameter("status", "must be one of pending, succeeded, retrying, failed, held")
            }
            status = parsed
        }
        let listRequest = try request.listRequest(sortable: DeliveryService.sortable)
        let page = try await deliveries.list(
            webhookId: context.parameters.value("wh"), organizationId: context.parameters.value("org"), status: status, listRequest,
            by: try context.requirePrincipal())
        return try JSONResponse.list(page, request: request)
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let (delivery, attempts) = try await deliveries.get(
            context.parameters.value("dlv"), webhookId: context.parameters.value("wh"), organizationId: context.parameters.value("org"),
            by: try context.requirePrincipal())
        return try JSONResponse.make(Detail(delivery: delivery, attempts: attempts))
    }
}
