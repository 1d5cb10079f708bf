import Foundation

/// When to try a failed delivery again: the schedule's delay for the attempt, ±20 % jitter (so endpoints that
/// fail together do not recover into a thundering herd), and never sooner than the receiver's `Retry-After`.
public struct RetryPolicy: Sendable {
    public static let jitter = 0.2
    /// A `Retry-After` beyond this is treated as this, so a receiver cannot park a delivery forever.
    public static let maxRetryAfterMillis: Int64 = 24 * 3_600_000

    public var schedule: RetrySchedule

    public init(schedule: RetrySchedule) { self.schedule = schedule }

    /// The time of the next attempt after failed attempt number `attempt` (1 for the first), or nil when the
    /// schedule is exhausted. `unit` is a random number in 0..<1 (injected, so tests are exact).
    public func nextAttempt(after attempt: Int, now: Int64, retryAfterMillis: Int64?, unit: Double) -> Int64? {
        guard attempt >= 1, attempt <= schedule.delaysInSeconds.count else { return nil }
        let base = Double(schedule.delaysInSeconds[attempt - 1]) * 1000
        let jittered = Int64((base * (1 - Self.jitter + 2 * Self.jitter * min(max(unit, 0), 1))).rounded())
        let requested = min(max(retryAfterMillis ?? 0, 0), Self.maxRetryAfterMillis)
        return now.addingSaturating(max(jittered, requested))
    }

    /// `Retry-After` as a delay in milliseconds: delta-seconds or an HTTP-date (RFC 9110); nil when unreadable.
    public static func retryAfterMillis(_ value: String, now: Int64) -> Int64? {
        let text = value.trimmingWhitespace()
        // Digits beyond what Int64 holds are still a (very long) delay, not an unreadable value.
        if !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), Int64(text) == nil { return maxRetryAfterMillis }
        if let seconds = Int64(text), seconds >= 0 {
            return seconds.multipliedReportingOverflow(by: 1000).overflow ? maxRetryAfterMillis : seconds * 1000
        }
        guard text.count <= 40 else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) {
                // A date in year 300000 parses too; it is held at the cap, not converted with a trap.
                guard let millis = Int64(checkedTruncating: date.timeIntervalSince1970 * 1000) else { return maxRetryAfterMillis }
                return min(max(0, millis.subtractingSaturating(now)), maxRetryAfterMillis)
            }
        }
        return nil
    }
}
