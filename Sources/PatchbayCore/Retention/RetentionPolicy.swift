/// How long Patchbay keeps what it has recorded: events, deliveries with their attempts, inbound requests and
/// idempotency keys older than `periodMillis` are deleted (nil keeps everything).
public struct RetentionPolicy: Sendable, Equatable, CustomStringConvertible {
    public static let standard = RetentionPolicy(periodMillis: 30 * 86_400_000)
    public static let forever = RetentionPolicy(periodMillis: nil)
    /// Ten years: beyond that a period is a typo, and `now - period` must stay far from overflow.
    public static let maximumMillis: Int64 = 3_660 * 86_400_000
    /// An `Idempotency-Key` is honoured this long whatever the retention, so a short retention cannot break replays.
    public static let idempotencyWindowMillis: Int64 = 24 * 3_600_000

    public let periodMillis: Int64?

    public init(periodMillis: Int64?) { self.periodMillis = periodMillis }

    /// `30d`, `12h`, `90m`, `45s`, or `off`.
    public static func parse(_ text: String) -> Result<RetentionPolicy, PatchbayError> {
        let token = text.trimmingWhitespace().lowercased()
        if token == "off" { return .success(.forever) }
        let units: [(String, Int64)] = [("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        guard token.utf8.count <= 20, let (suffix, factor) = units.first(where: { token.hasSuffix($0.0) }),
            let amount = Int64(token.dropLast(suffix.count)), amount >= 1, amount <= maximumMillis / factor
        else {
            return .failure(.invalidParameter("retention", "\"\(text.prefix(20))\" is not a period such as 30d, 12h or 90m (or off), up to 3660d"))
        }
        return .success(RetentionPolicy(periodMillis: amount * factor))
    }

    /// Records created before this instant are past retention; nil when nothing ever is.
    public func cutoff(now: Int64) -> Int64? { periodMillis.map { now.subtractingSaturating($0) } }

    /// Idempotency keys older than this are deleted: past retention and past the replay window both.
    public func idempotencyCutoff(now: Int64) -> Int64? {
        periodMillis.map { now.subtractingSaturating(max($0, Self.idempotencyWindowMillis)) }
    }

    /// How often the retention pass runs: a quarter of the period, between 1 second and 10 minutes, so a short period
    /// set for a demonstration still takes effect soon.
    public var passIntervalMillis: Int64 { min(max((periodMillis ?? 600_000) / 4, 1_000), 600_000) }

    public var description: String {
        guard let periodMillis else { return "off" }
        for (suffix, factor) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000)] where periodMillis % factor == 0 {
            return "\(periodMillis / factor)\(suffix)"
        }
        return "\(periodMillis / 1000)s"
    }
}
