import Logging
import PatchbayCore
import PatchbayStorage
import Prometheus
import ServiceLifecycle

/// Deletes events, deliveries with their attempts, inbound requests and idempotency keys past the retention period,
/// in small batches, and counts what it removed (`patchbay_retention_deleted_total{kind}`). Every instance may run
/// it: the deletes are idempotent, and each batch is its own short transaction.
public struct RetentionService: Service {
    let store: Store
    let policy: RetentionPolicy
    let clock: any TimeSource
    let registry: PrometheusCollectorRegistry
    let logger: Logger
    let passIntervalMillis: Int64
    /// Rows of each kind per transaction: small enough that publishes and deliveries never wait long behind one.
    public static let batchSize = 500
    /// A pass stops after this many batches (a million rows of each kind) and the next pass goes on.
    public static let maxBatchesPerPass = 2_000

    public init(
        store: Store, policy: RetentionPolicy, clock: any TimeSource, registry: PrometheusCollectorRegistry, logger: Logger,
        passIntervalMillis: Int64? = nil
    ) {
        self.store = store
        self.policy = policy
        self.clock = clock
        self.registry = registry
        self.logger = logger
        self.passIntervalMillis = passIntervalMillis ?? policy.passIntervalMillis
    }

    public func run() async throws {
        // A service that returns ends the whole server: with retention off, this one just waits for the shutdown.
        guard policy.periodMillis != nil else {
            try? await gracefulShutdown()
            return
        }
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(passIntervalMillis)) }
            guard !Task.isCancelled, !Task.isShuttingDownGracefully else { break }
            do {
                _ = try await runPass()
            } catch {
                logger.warning("the retention pass failed; the next one goes on", metadata: ["pb.error": "\(error)"])
            }
        }
    }

    /// One pass: batches until nothing past retention is left (or the pass's cap), each counted as it lands.
    @discardableResult
    public func runPass() async throws -> RetentionRepository.Removed {
        let now = clock.nowMillis
        guard let cutoff = policy.cutoff(now: now), let idempotencyCutoff = policy.idempotencyCutoff(now: now) else { return .init() }
        var total = RetentionRepository.Removed()
        for _ in 0..<Self.maxBatchesPerPass {
            guard !Task.isShuttingDownGracefully else { break }
            let started = ContinuousClock.now
            let removed = try await store.retention.purgeBatch(before: cutoff, idempotencyBefore: idempotencyCutoff, batchSize: Self.batchSize)
            count(removed)
            total = total + removed
            if removed.total == 0 { break }
            // Rest as long as the batch took (SQLite has one writer): publishes and deliveries get at least half of it.
            try? await Task.sleep(for: min(ContinuousClock.now - started, .milliseconds(100)))
        }
        if total.total > 0 {
            logger.info(
                "removed records past retention",
                metadata: [
                    "pb.retention": "\(policy)", "pb.events": "\(total.events)", "pb.deliveries": "\(total.deliveries)",
                    "pb.heldDeliveries": "\(total.heldDeliveries)", "pb.attempts": "\(total.attempts)",
                    "pb.inboundRequests": "\(total.inboundRequests)", "pb.idempotencyKeys": "\(total.idempotencyKeys)",
                    "pb.commandInvocations": "\(total.commandInvocations)",
                ])
        }
        return total
    }

    private func count(_ removed: RetentionRepository.Removed) {
        for (kind, amount) in [
            ("events", removed.events), ("deliveries", removed.deliveries), ("held_deliveries", removed.heldDeliveries),
            ("pending_deliveries", removed.pendingDeliveries), ("attempts", removed.attempts), ("inbound_requests", removed.inboundRequests),
            ("idempotency_keys", removed.idempotencyKeys), ("command_invocations", removed.commandInvocations),
            ("command_responses", removed.commandResponses),
        ] where amount > 0 {
            registry.makeCounter(name: "patchbay_retention_deleted_total", labels: [("kind", kind)]).increment(by: Int64(amount))
        }
    }
}
