/// A token bucket: it refills at `rate` tokens a second up to `burst`, and each request takes one. Pure state and
/// arithmetic on an injected time, so tests are exact.
public struct TokenBucket: Sendable, Equatable {
    /// What one request learns: whether it may go on, and what the `RateLimit-*` and `Retry-After` headers say.
    public struct Decision: Sendable, Equatable {
        public var allowed: Bool
        /// Requests a second, as configured (`RateLimit-Limit`).
        public var limit: Int
        /// Whole requests left now (`RateLimit-Remaining`).
        public var remaining: Int
        /// Seconds until the bucket is full again (`RateLimit-Reset`).
        public var resetSeconds: Int
        /// Seconds until the next request would be allowed (`Retry-After`, at least 1); 0 when allowed.
        public var retryAfterSeconds: Int
    }

    public let rate: Int
    public let burst: Int
    /// In thousandths of a request, so refills of a few milliseconds are not lost to rounding.
    private var milliTokens: Int64
    private var updatedAt: Int64

    /// `rate` and `burst` are at least 1 (callers check configuration before building a bucket).
    public init(rate: Int, burst: Int, now: Int64) {
        self.rate = max(1, rate)
        self.burst = max(1, burst)
        self.milliTokens = Int64(self.burst) * 1000
        self.updatedAt = now
    }

    /// Takes one request's token at `now` (milliseconds) when there is one.
    public mutating func take(now: Int64) -> Decision {
        refill(now: now)
        let allowed = milliTokens >= 1000
        if allowed { milliTokens -= 1000 }
        let capacity = Int64(burst) * 1000
        let perMilli = Int64(rate)  // thousandths of a token gained per millisecond
        let reset = Self.ceilingSeconds(millis: (capacity - milliTokens + perMilli - 1) / perMilli)
        let retry = allowed ? 0 : max(1, Self.ceilingSeconds(millis: (1000 - milliTokens + perMilli - 1) / perMilli))
        return Decision(allowed: allowed, limit: rate, remaining: Int(milliTokens / 1000), resetSeconds: reset, retryAfterSeconds: retry)
    }

    /// Whether the bucket is full at `now` (an idle bucket that can be forgotten).
    public func isFull(at now: Int64) -> Bool {
        var copy = self
        copy.refill(now: now)
        return copy.milliTokens >= Int64(burst) * 1000
    }

    private mutating func refill(now: Int64) {
        // A clock that steps back refills nothing; the elapsed time is capped so the product cannot overflow.
        let elapsed = min(max(0, now.subtractingSaturating(updatedAt)), 86_400_000)
        milliTokens = min(Int64(burst) * 1000, milliTokens + elapsed * Int64(rate))
        updatedAt = max(updatedAt, now)
    }

    private static func ceilingSeconds(millis: Int64) -> Int { Int((max(0, millis) + 999) / 1000) }
}
