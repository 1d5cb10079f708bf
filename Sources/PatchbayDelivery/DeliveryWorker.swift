import Foundation
import Logging
import PatchbayCore
import PatchbayStorage
import ServiceLifecycle
import Synchronization

/// Sends due deliveries. A `Service`: it claims due deliveries with a lease (so a crashed instance's work is taken
/// over when the lease runs out), keeps at most `perWebhookConcurrency` requests in flight per webhook (a slow or
/// dead endpoint holds only its own slots, never the others'), and records every attempt. Failures are retried on
/// the schedule; `410 Gone`, or failing a whole schedule without any success, disables the webhook.
public final class DeliveryWorker: Service, Sendable {
    public struct Configuration: Sendable {
        public var pollInterval: Duration = .milliseconds(100)
        public var leaseMillis: Int64 = 120_000
        public var claimBatch = 64
        public var perWebhookConcurrency = 4
        public var maxInFlight = 256

        public init() {}
    }

    private let store: Store
    private let sender: WebhookSender
    private let retryPolicy: RetryPolicy
    private let clock: any TimeSource
    private let configuration: Configuration
    private let logger: Logger
    private let owner = "worker-" + UUID().uuidString
    private let inFlight = Mutex<[String: Int]>([:])
    private let doorbell = Doorbell()

    public init(
        store: Store, sender: WebhookSender, retryPolicy: RetryPolicy, clock: any TimeSource, configuration: Configuration = .init(), logger: Logger
    ) {
        self.store = store
        self.sender = sender
        self.retryPolicy = retryPolicy
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            // Stops claiming on graceful shutdown; deliveries already started finish (the group waits for them).
            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                let claimed = await claim()
                for delivery in claimed {
                    group.addTask { await self.process(delivery) }
                }
                if claimed.isEmpty { await doorbell.wait(upTo: configuration.pollInterval) }
            }
        }
    }

    /// Claims what the free slots allow, keeping full webhooks out of the claim.
    private func claim() async -> [Delivery] {
        let (busy, free) = inFlight.withLock { counts -> (Set<String>, Int) in
            let busy = Set(counts.filter { $0.value >= configuration.perWebhookConcurrency }.keys)
            return (busy, configuration.maxInFlight - counts.values.reduce(0, +))
        }
        guard free > 0 else { return [] }
        let claimed: [Delivery]
        do {
            claimed = try await store.deliveries.claimDue(
                owner: owner, now: clock.nowMillis, leaseMillis: configuration.leaseMillis, limit: min(configuration.claimBatch, free),
                busyWebhooks: busy
            )
        } catch {
            logger.error("claiming deliveries failed", metadata: ["pb.error": "\(error)"])
            return []
        }
        // Within one claim a webhook may get more than its free slots: give the surplus back for a later round.
        var accepted: [Delivery] = []
        var surplus: [String] = []
        inFlight.withLock { counts in
            for delivery in claimed {
                if counts[delivery.webhookId, default: 0] < configuration.perWebhookConcurrency {
                    counts[delivery.webhookId, default: 0] += 1
                    accepted.append(delivery)
                } else {
                    surplus.append(delivery.id)
                }
            }
        }
        if !surplus.isEmpty { try? await store.deliveries.release(surplus, owner: owner) }
        return accepted
    }

    private func process(_ delivery: Delivery) async {
        defer {
            inFlight.withLock { counts in
                counts[delivery.webhookId, default: 1] -= 1
                if counts[delivery.webhookId] == 0 { counts[delivery.webhookId] = nil }
            }
            doorbell.ring()
        }
        var logger = self.logger
        logger[metadataKey: "pb.delivery.id"] = "\(delivery.id)"
        logger[metadataKey: "pb.webhook.id"] = "\(delivery.webhookId)"
        do {
            guard let webhook = try await store.webhooks.find(id: delivery.webhookId), webhook.state == .active || webhook.state == .failing else {
                try await store.deliveries.release([delivery.id], owner: owner)
                return
            }
            let events = try await store.deliveries.events(delivery.eventIds)
            guard !events.isEmpty else { return }
            let now = clock.nowMillis
            let request = try WebhookRequest.make(webhook: webhook, events: events, messageId: delivery.id, timestamp: now / 1000, now: now)
            let outcome = await sender.send(request, verifyTls: webhook.verifyTls)
            try await record(outcome, of: delivery, for: webhook)
        } catch {
            logger.error("processing a delivery failed; its lease will expire and it will be retried", metadata: ["pb.error": "\(error)"])
        }
    }

    private func record(_ outcome: AttemptOutcome, of delivery: Delivery, for webhook: Webhook) async throws {
        let attempt = outcome.attempt(deliveryId: delivery.id)
        if outcome.result == .success {
            try await store.deliveries.complete(delivery, attempt: attempt, status: .succeeded, nextAttemptAt: nil, webhookState: .active)
            return
        }
        if outcome.statusCode == 410 {
            try await store.deliveries.complete(delivery, attempt: attempt, status: .failed, nextAttemptAt: nil, webhookState: .failing)
            try await disable(webhook, reason: "the endpoint answered 410 Gone")
            return
        }
        let next = retryPolicy.nextAttempt(
            after: delivery.attemptCount + 1, now: clock.nowMillis, retryAfterMillis: outcome.retryAfterMillis, unit: Double.random(in: 0..<1)
        )
        try await store.deliveries.complete(
            delivery, attempt: attempt, status: next == nil ? .failed : .retrying, nextAttemptAt: next, webhookState: .failing
        )
        if next == nil, try await !store.deliveries.hasSucceeded(webhookId: webhook.id, since: delivery.createdAt) {
            try await disable(webhook, reason: "no delivery succeeded for the whole retry schedule")
        }
    }

    private func disable(_ webhook: Webhook, reason: String) async throws {
        guard let organization = try await store.organizations.find(id: webhook.organizationId) else { return }
        let now = clock.nowMillis
        let event = Event(
            id: Identifier.make(.event, nowMillis: now),
            type: "webhook.disabled",
            organizationId: organization.id,
            organizationPath: organization.path,
            actor: .system,
            data: ["webhookId": .string(webhook.id), "url": .string(webhook.url), "reason": .string(reason)],
            createdAt: now
        )
        try await store.webhooks.disable(webhook, event: event, at: now)
        logger.warning("webhook disabled", metadata: ["pb.webhook.id": "\(webhook.id)", "pb.reason": "\(reason)"])
    }
}
