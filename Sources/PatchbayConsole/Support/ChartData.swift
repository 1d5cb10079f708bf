import PatchbayCore
import PatchbayStorage

/// The last hour of a set of webhooks, minute by minute: outcomes, latency percentiles, queue depth and the age of
/// the oldest queued delivery. Computed from the rows (bounded by the repository) in one pass per minute.
struct ChartData {
    static let minutes = 60
    var ok = [Int](repeating: 0, count: minutes)
    var fail = [Int](repeating: 0, count: minutes)
    var pending = [Int](repeating: 0, count: minutes)
    var p50 = [Double?](repeating: nil, count: minutes)
    var p95 = [Double?](repeating: nil, count: minutes)
    var depth = [Double?](repeating: nil, count: minutes)
    var oldestAgeSeconds = [Double?](repeating: nil, count: minutes)

    init(activity: [DeliveryRepository.Activity], latencies: [(sentAt: Int64, durationMs: Int)], now: Int64) {
        let lastMinute = now / 60_000
        func index(_ millis: Int64) -> Int? {
            let slot = Self.minutes - 1 - Int(lastMinute - millis / 60_000)
            return (0..<Self.minutes).contains(slot) ? slot : nil
        }
        for row in activity {
            guard let slot = index(row.createdAt) else { continue }
            switch row.status {
            case .succeeded: ok[slot] += 1
            case .failed: fail[slot] += 1
            case .pending, .retrying, .held: pending[slot] += 1
            }
        }
        var durations = [[Int]](repeating: [], count: Self.minutes)
        for latency in latencies { if let slot = index(latency.sentAt) { durations[slot].append(latency.durationMs) } }
        for slot in 0..<Self.minutes where !durations[slot].isEmpty {
            let sorted = durations[slot].sorted()
            p50[slot] = Double(sorted[(sorted.count - 1) / 2])
            p95[slot] = Double(sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)])
        }
        // At the end of each minute: what was queued (created by then, and still queued or finished later).
        for slot in 0..<Self.minutes {
            let end = (lastMinute - Int64(Self.minutes - 1 - slot) + 1) * 60_000
            let at = min(end, now)
            var count = 0
            var oldest = Int64.max
            for row in activity where row.createdAt <= at {
                let queued = row.status == .pending || row.status == .retrying || row.status == .held || row.updatedAt > at
                if queued {
                    count += 1
                    oldest = min(oldest, row.createdAt)
                }
            }
            depth[slot] = Double(count)
            oldestAgeSeconds[slot] = count > 0 ? Double(at - oldest) / 1000 : 0
        }
    }

    var totals: (ok: Int, fail: Int, pending: Int) { (ok.reduce(0, +), fail.reduce(0, +), pending.reduce(0, +)) }
}
