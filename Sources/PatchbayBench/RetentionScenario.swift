import Foundation
import Logging
import PatchbayApp
import PatchbayCore
import PatchbayStorage
import Prometheus

/// `PatchbayBench retention [--rows N]`: how fast the retention pass removes N old events and N old deliveries (each
/// with an attempt) from SQLite, and what it costs a publisher meanwhile: publish latency while the pass runs against
/// the same publisher alone.
struct RetentionScenario {
    let rows: Int

    func run() async throws {
        var quiet = Logger(label: "patchbay.bench")
        quiet.logLevel = .critical
        let logger = quiet
        let bench = try await BenchStore.open(logger: logger)
        defer { bench.remove() }
        let store = bench.store
        try await store.driver.withRunning {
            _ = try await Migrator(driver: store.driver).migrate(now: 1)
            let id = Identifier.make(.organization, nowMillis: 1)
            let org = Organization(id: id, name: "Bench", parentId: nil, path: .root(id), createdAt: 1, updatedAt: 1)
            try await store.organizations.insert(org, event: try Self.event(in: org, at: 1))
            let webhook = Webhook(
                id: Identifier.make(.webhook, nowMillis: 1), organizationId: org.id, integrationId: nil, name: "W", url: "https://example.com/h",
                eventTypes: [], state: .paused, verifyTls: true, format: .json, maxEventsPerRequest: 1, authorization: nil, headers: [:],
                secret: WebhookSecret.generate(), previousSecret: nil, previousSecretExpiresAt: nil, lastTriggeredAt: nil, lastStatus: nil,
                createdAt: 1, updatedAt: 1)
            try await store.webhooks.insert(webhook)
            let seeding = ContinuousClock.now
            try await seed(store, org: org, webhook: webhook)
            print("seeded \(rows) old events and \(rows) old deliveries with an attempt each in \(ContinuousClock.now - seeding)")

            let baseline = try await publishLatencies(store, org: org, while: { try await Task.sleep(for: .seconds(3)) })
            let policy = RetentionPolicy(periodMillis: 86_400_000)
            let service = RetentionService(
                store: store, policy: policy, clock: SystemTimeSource(), registry: PrometheusCollectorRegistry(), logger: logger)
            let removed = ResultBox()
            let start = ContinuousClock.now
            let during = try await publishLatencies(store, org: org, while: { removed.value = try await service.runPass() })
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let total = removed.value?.total ?? 0
            print(
                "retention pass: removed \(total) rows (\(removed.value?.events ?? 0) events, \(removed.value?.deliveries ?? 0) deliveries, "
                    + "\(removed.value?.attempts ?? 0) attempts) in \(String(format: "%.2f", seconds)) s: \(Int(Double(total) / seconds)) rows/s")
            print("publish alone:        \(baseline.summary)")
            print("publish during purge: \(during.summary)")
        }
    }

    final class ResultBox: @unchecked Sendable { var value: RetentionRepository.Removed? }

    struct Latencies {
        var millis: [Double]
        var summary: String {
            let sorted = millis.sorted()
            func at(_ q: Double) -> String {
                String(format: "%.2f", sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))])
            }
            return "\(sorted.count) publishes, p50 \(at(0.5)) ms, p99 \(at(0.99)) ms, max \(at(1.0)) ms"
        }
    }

    /// One publish every 5 ms (each with a held delivery: the webhook is paused) until `work` ends.
    private func publishLatencies(_ store: Store, org: Organization, while work: @escaping @Sendable () async throws -> Void) async throws
        -> Latencies
    {
        try await withThrowingTaskGroup(of: [Double]?.self) { group in
            let done = ResultFlag()
            group.addTask {
                try await work()
                done.set()
                return nil
            }
            group.addTask {
                var millis: [Double] = []
                while !done.isSet {
                    let started = ContinuousClock.now
                    _ = try await store.events.publish(
                        [try Self.event(in: org, at: SystemTimeSource().nowMillis)], organizationId: org.id, idempotency: nil)
                    let took = ContinuousClock.now - started
                    millis.append(Double(took.components.attoseconds) / 1e15 + Double(took.components.seconds) * 1000)
                    try await Task.sleep(for: .milliseconds(5))
                }
                return millis
            }
            var result = Latencies(millis: [])
            for try await millis in group { if let millis { result.millis = millis } }
            return result
        }
    }

    final class ResultFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }

    private func seed(_ store: Store, org: Organization, webhook: Webhook) async throws {
        let chunk = 500
        for first in stride(from: 0, to: rows, by: chunk) {
            let indexes = first..<min(rows, first + chunk)
            try await store.driver.transaction { connection in
                _ = try await connection.query(
                    "INSERT INTO events (id, organization_id, organization_path, type, actor, data, created_at) VALUES "
                        + SQLQuery.joined(
                            indexes.map { index in
                                "(\("evt_old\(index)"), \(org.id), \(org.path.value), 'thread.created', '{\"type\":\"admin\"}', '{\"n\":1}', \(1000 + Int64(index)))"
                            }, separator: ", "))
                _ = try await connection.query(
                    "INSERT INTO deliveries (id, webhook_id, organization_id, event_ids, status, attempt_count, created_at, updated_at) VALUES "
                        + SQLQuery.joined(
                            indexes.map { index in
                                "(\("dlv_old\(index)"), \(webhook.id), \(org.id), \("[\"evt_old\(index)\"]"), 'succeeded', 1, \(1000 + Int64(index)), 1000)"
                            }, separator: ", "))
                _ = try await connection.query(
                    "INSERT INTO delivery_attempts (id, delivery_id, sent_at, url, status_code, result, duration_ms, request_headers, request_body, response_headers) VALUES "
                        + SQLQuery.joined(
                            indexes.map { index in
                                "(\("att_old\(index)"), \("dlv_old\(index)"), 1000, 'https://example.com/h', 200, 'success', 3, '{\"content-type\":\"application/json\"}', '{\"n\":1}', '{}')"
                            }, separator: ", "))
            }
        }
    }

    static func event(in org: Organization, at now: Int64) throws -> Event {
        try Event.describing(["title": "x"], type: "thread.created", organizationId: org.id, organizationPath: org.path, actor: .system, at: now)
    }
}
