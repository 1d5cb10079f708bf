import PatchbayCore
import PatchbayStorage

/// What `/v1/health` reports: whether the database answers, and the delivery queue when it does.
public struct Health: Encodable, Sendable {
    public struct Queue: Encodable, Sendable {
        public var pending: Int
        public var held: Int
        public var oldestPendingAgeSeconds: Int64?
    }

    public var status: String
    public var database: String
    public var queue: Queue?

    public var healthy: Bool { database == "ok" }
}

extension Services {
    public func health() async -> Health {
        let healthy = await store.ping()
        var queue: Health.Queue?
        if healthy, let summary = try? await store.deliveries.queueSummary() {
            let now = clock.nowMillis
            queue = Health.Queue(
                pending: summary.pending, held: summary.held,
                oldestPendingAgeSeconds: summary.oldestPendingAt.map { max(0, now.subtractingSaturating($0) / 1000) })
        }
        return Health(status: healthy ? "ok" : "degraded", database: healthy ? "ok" : "unreachable", queue: queue)
    }
}
