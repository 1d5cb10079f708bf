/// Delays between delivery attempts, parsed from `5s,5m,30m,2h,5h,10h,10h`.
public struct RetrySchedule: Sendable, Equatable, CustomStringConvertible {
    public static let standard = RetrySchedule(delaysInSeconds: [5, 300, 1800, 7200, 18000, 36000, 36000])

    public let delaysInSeconds: [Int64]

    public init(delaysInSeconds: [Int64]) { self.delaysInSeconds = delaysInSeconds }

    /// Parses a comma-separated list of durations with unit `ms`, `s`, `m`, `h` or `d`; nil with a reason otherwise.
    public static func parse(_ text: String) -> Result<RetrySchedule, PatchbayError> {
        var delays: [Int64] = []
        let items = text.split(separator: ",", omittingEmptySubsequences: false)
        guard !items.isEmpty, items.count <= 50 else {
            return .failure(.invalidParameter("retry-schedule", "must list 1 to 50 delays"))
        }
        for item in items {
            let token = item.trimmingWhitespace()
            let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
            guard let (suffix, factor) = units.first(where: { token.hasSuffix($0.0) && Int64(token.dropLast($0.0.count)) != nil }),
                let amount = Int64(token.dropLast(suffix.count)), amount >= 0, amount <= 30 * 86_400_000 / factor
            else {
                return .failure(.invalidParameter("retry-schedule", "\"\(token.prefix(20))\" is not a duration such as 5s, 5m or 2h"))
            }
            delays.append(amount * factor / 1000)
        }
        return .success(RetrySchedule(delaysInSeconds: delays))
    }

    public var description: String { delaysInSeconds.map { "\($0)s" }.joined(separator: ",") }
}
