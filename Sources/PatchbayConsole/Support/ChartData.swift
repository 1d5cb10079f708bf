import PatchbayCore
import PatchbayStorage

/// The last hour of a set of webhooks, minute by minute: outcomes, latency percentiles, queue depth and the age of
/// the oldest queued delivery. Built from rows the database has already counted (by minute, status and latency
/// bucket), so the work does not grow with the number of deliveries.
struct ChartData: Sendable {
    static let minutes = 60
    var ok = [Int](repeating: 0, count: minutes)
    var fail = [Int](repeating: 0, count: minutes)
    var pending = [Int](repeating: 0, count: minutes)
    var p50 = [Double?](repeating: nil, count: minutes)
    var p95 = [Double?](repeating: nil, count: minutes)
    var depth = [Double?](repeating: nil, count: minutes)
    var oldestAgeSeconds = [Double?](repeating: nil, count: minutes)

    init(
        groups: [DeliveryRepository.ActivityGroup], queuedBefore: (count: Int, oldest: Int64?) = (0, nil),
        histogram: [(minute: Int64, bucketMs: Int, count: Int)] = [], now: Int64
    ) {
        let lastMinute = now / 60_000
        func slot(_ minute: Int64) -> Int? {
            let index = Self.minutes - 1 - Int(lastMinute - minute)
            return (0..<Self.minutes).contains(index) ? index : nil
        }
        for group in groups {
            guard let index = slot(group.createdMinute) else { continue }
            switch group.status {
            case .succeeded: ok[index] += group.count
            case .failed: fail[index] += group.count
            case .pending, .retrying, .held: pending[index] += group.count
            }
        }
        var buckets = [[(Int, Int)]](repeating: [], count: Self.minutes)
        for entry in histogram { if let index = slot(entry.minute) { buckets[index].append((entry.bucketMs, entry.count)) } }
        for index in 0..<Self.minutes where !buckets[index].isEmpty {
            let sorted = buckets[index].sorted { $0.0 < $1.0 }
            let total = sorted.reduce(0) { $0 + $1.1 }
            func percentile(_ fraction: Double) -> Double {
                let rank = Int((Double(total) * fraction).rounded(.up))
                var seen = 0
                for (bound, count) in sorted {
                    seen += count
                    if seen >= rank { return Double(bound) }
                }
                return Double(sorted.last?.0 ?? 0)
            }
            p50[index] = percentile(0.5)
            p95[index] = percentile(0.95)
        }
        // At the end of each minute: what was queued (created by then, and still queued or finished later), with
        // what was queued before the hour and is queued still.
        for index in 0..<Self.minutes {
            let minute = lastMinute - Int64(Self.minutes - 1 - index)
            let at = min((minute + 1) * 60_000, now)
            var count = queuedBefore.count
            var oldest = queuedBefore.oldest ?? Int64.max
            // Groups from before the hour are what `queuedBefore` counts already.
            for group in groups
            where slot(group.createdMinute) != nil && group.createdMinute <= minute && (group.finishedMinute.map { $0 > minute } ?? true) {
                count += group.count
                oldest = min(oldest, group.oldestCreatedAt)
            }
            depth[index] = Double(count)
            oldestAgeSeconds[index] = count > 0 && oldest != Int64.max ? Double(max(0, at - oldest)) / 1000 : 0
        }
    }

    var totals: (ok: Int, fail: Int, pending: Int) { (ok.reduce(0, +), fail.reduce(0, +), pending.reduce(0, +)) }
}

extension Console {
    /// The last hour of these webhooks (already reached by the visit), from the cache when it is fresh.
    func chartData(_ webhooks: [Webhook], latency: Bool = true) async throws -> ChartData {
        let key = (latency ? "L" : "S") + webhooks.map(\.id).sorted().joined(separator: ",")
        let now = services.clock.nowMillis
        return try await charts.value(for: key, now: now) {
            let recent = try await services.deliveries.recentActivity(of: webhooks, latency: latency)
            return ChartData(groups: recent.groups, queuedBefore: recent.queuedBefore, histogram: recent.histogram, now: now)
        }
    }
}
