import Synchronization

/// Token buckets by key (a token id, an inbound endpoint id), in memory: each instance limits what it serves.
/// The number of keys is capped; when it is reached, buckets that have refilled (idle keys) are forgotten, and if
/// too few have, an arbitrary half goes, so a flood of distinct keys costs bounded memory.
public final class RateLimiter: Sendable {
    public let rate: Int
    public let burst: Int
    public static let maximumKeys = 100_000
    private let buckets = Mutex<[String: TokenBucket]>([:])

    /// `rate` requests a second per key, bursts up to `burst`.
    public init(rate: Int, burst: Int) {
        self.rate = max(1, rate)
        self.burst = max(1, burst)
    }

    public func take(_ key: String, now: Int64) -> TokenBucket.Decision {
        buckets.withLock { buckets in
            if buckets[key] == nil, buckets.count >= Self.maximumKeys { Self.evict(&buckets, now: now) }
            var bucket = buckets[key] ?? TokenBucket(rate: rate, burst: burst, now: now)
            let decision = bucket.take(now: now)
            buckets[key] = bucket
            return decision
        }
    }

    private static func evict(_ buckets: inout [String: TokenBucket], now: Int64) {
        buckets = buckets.filter { !$0.value.isFull(at: now) }
        if buckets.count >= maximumKeys / 2 {
            for key in Array(buckets.keys.prefix(buckets.count / 2)) { buckets.removeValue(forKey: key) }
        }
    }
}
