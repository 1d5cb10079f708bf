import PatchbayCore
import PatchbayStorage

/// A webhook's delivery history: listed, read with every attempt, re-sent, and recovered since a time.
public struct DeliveryService: Sendable {
    let services: Services
    public static let sortable = ["createdAt", "status", "updatedAt"]
    /// Recovery re-queues at most this many failed deliveries per call; call again for more.
    public static let maxRecover = 10_000

    /// What recovery did: failed deliveries queued again, and held ones released (they keep their ids).
    public struct Recovered: Sendable {
        public var queued: [Delivery]
        public var released: Int
    }

    private var store: Store { services.store }

    private static func requireSending(_ webhook: Webhook) throws {
        guard webhook.state == .active || webhook.state == .failing else {
            throw PatchbayError(.conflict, "Webhook \(webhook.id) is \(webhook.state.rawValue); set active: true before sending to it again.")
        }
    }

    public func list(
        webhookId: String, organizationId: String, status: Delivery.Status?, _ request: ListRequest, by principal: Principal
    ) async throws -> Page<Delivery> {
        let webhook = try await services.access.webhook(webhookId, organizationId: organizationId, for: principal, scope: .webhooksRead).1
        return try await store.deliveries.list(of: webhook, status: status, request)
    }

    /// The history narrowed by status, event type, time range and a text in the payload.
    public func history(
        webhookId: String, organizationId: String, filter: DeliveryRepository.Filter, _ request: ListRequest, by principal: Principal
    ) async throws -> Page<Delivery> {
        let webhook = try await services.access.webhook(webhookId, organizationId: organizationId, for: principal, scope: .webhooksRead).1
        return try await store.deliveries.list(of: webhook, filter: filter, request)
    }

    /// What the charts draw of these webhooks (already reached by the caller) over the last hour, counted by the
    /// database.
    public struct Recent: Sendable {
        public var groups: [DeliveryRepository.ActivityGroup]
        public var queuedBefore: (count: Int, oldest: Int64?)
        public var histogram: [(minute: Int64, bucketMs: Int, count: Int)]
    }

    public func recentActivity(of webhooks: [Webhook], latency: Bool = true) async throws -> Recent {
        let since = services.clock.nowMillis - 3_600_000
        let ids = webhooks.map(\.id)
        return Recent(
            groups: try await store.deliveries.activity(webhookIds: ids, since: since),
            queuedBefore: latency ? try await store.deliveries.queuedBefore(webhookIds: ids, before: since) : (0, nil),
            histogram: latency ? try await store.deliveries.latencyHistogram(webhookIds: ids, since: since) : [])
    }

    /// The latest attempt's URL, status code and result of each delivery (read through `history` first).
    public func lastOutcomes(of deliveries: [Delivery]) async throws -> [String: (url: String, statusCode: Int?, result: String)] {
        try await store.deliveries.lastOutcomes(deliveryIds: deliveries.filter { $0.attemptCount > 0 || $0.lastAttemptAt != nil }.map(\.id))
    }

    /// The most recent attempt of a delivery (read through `get` or `history` first).
    public func lastAttempt(of delivery: Delivery) async throws -> DeliveryAttempt? {
        delivery.attemptCount > 0 || delivery.lastAttemptAt != nil ? try await store.deliveries.lastAttempt(deliveryId: delivery.id) : nil
    }

    /// The events a delivery carries, by id.
    public func events(of delivery: Delivery) async throws -> [Event] {
        let events = try await store.deliveries.events(delivery.eventIds)
        return delivery.eventIds.compactMap { events[$0] }
    }

    /// The delivery with its attempts, oldest first.
    public func get(_ id: String, webhookId: String, organizationId: String, by principal: Principal) async throws -> (
        Delivery, [DeliveryAttempt]
    ) {
        let webhook = try await services.access.webhook(webhookId, organizationId: organizationId, for: principal, scope: .webhooksRead).1
        guard Identifier.isWellFormed(id, .delivery), let delivery = try await store.deliveries.find(id: id, of: webhook)
        else { throw PatchbayError.notFound("Delivery \(id.prefix(40))") }
        return (delivery, try await store.deliveries.attempts(deliveryId: delivery.id))
    }

    /// The same delivery again, now: the same id (so the same `webhook-id`), one more attempt in its history.
    public func resend(_ id: String, webhookId: String, organizationId: String, by principal: Principal) async throws -> Delivery {
        let webhook = try await services.access.webhook(webhookId, organizationId: organizationId, for: principal, scope: .webhooksWrite).1
        guard Identifier.isWellFormed(id, .delivery), let delivery = try await store.deliveries.find(id: id, of: webhook)
        else { throw PatchbayError.notFound("Delivery \(id.prefix(40))") }
        try Self.requireSending(webhook)
        guard delivery.status != .held else {
            throw PatchbayError(.conflict, "Delivery \(delivery.id) is held until its webhook is active again.")
        }
        guard let queued = try await store.deliveries.requeue([delivery], now: services.clock.nowMillis).first else {
            throw PatchbayError(.conflict, "Delivery \(delivery.id) is being sent right now; resend it once that attempt is recorded.")
        }
        return queued
    }

    /// Every failed delivery since `since` again, and the held ones since then released.
    public func recover(webhookId: String, since: Int64, organizationId: String, by principal: Principal) async throws -> Recovered {
        let webhook = try await services.access.webhook(webhookId, organizationId: organizationId, for: principal, scope: .webhooksWrite).1
        let now = services.clock.nowMillis
        guard since <= now else { throw PatchbayError.invalid("/since", "must not be in the future") }
        try Self.requireSending(webhook)
        var failed: [Delivery] = []
        for delivery in try await store.deliveries.failed(webhookId: webhook.id, since: since, limit: Self.maxRecover) {
            // A failed handshake is history, not an event to deliver.
            let events = try await store.deliveries.events(delivery.eventIds)
            if !events.values.allSatisfy({ $0.type == "webhook.handshake" }) { failed.append(delivery) }
        }
        let released = try await store.webhooks.releaseHeld(webhookId: webhook.id, since: since, now: now)
        let queued = try await store.deliveries.requeue(failed, now: now)
        return Recovered(queued: queued, released: released)
    }
}
