import Foundation

/// Milliseconds since the Unix epoch, the storage form of every instant; rendered as RFC 3339 UTC.
public enum Timestamp {
    /// `2026-11-22T10:00:00.123Z`.
    public static func format(_ millis: Int64) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(24)
        append(millis, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends the RFC 3339 text of `millis` (24 ASCII bytes): digits written in place, for the envelopes a claim
    /// assembles by the hundred (seven padded strings each were most of an envelope's assembly).
    public static func append(_ millis: Int64, to output: inout [UInt8]) {
        // RFC 3339 has four-digit years: an instant outside 0001–9999 (a third party's lifetime, saturated) is held
        // at the edge, which also keeps the arithmetic below from overflowing.
        let millis = min(max(millis, earliestMillis), latestMillis)
        let seconds = millis.floorDivided(by: 1000)
        let fraction = millis - seconds * 1000
        let days = seconds.floorDivided(by: 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilDate(fromDays: days)
        let hour = secondOfDay / 3600
        let minute = secondOfDay % 3600 / 60
        let second = secondOfDay % 60
        for (value, width, separator) in [
            (year, 4, "-"), (month, 2, "-"), (day, 2, "T"), (hour, 2, ":"), (minute, 2, ":"), (second, 2, "."), (fraction, 3, "Z"),
        ]
            as [(Int64, Int, Unicode.Scalar)]
        {
            appendDigits(value, width, to: &output)
            output.append(UInt8(ascii: separator))
        }
    }

    /// 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z.
    static let earliestMillis: Int64 = -62_135_596_800_000
    static let latestMillis: Int64 = 253_402_300_799_999

    /// Parses an RFC 3339 date-time (with or without fractional seconds, any offset); nil when malformed.
    public static func parse(_ text: String) -> Int64? {
        guard text.utf8.count <= 40 else { return nil }
        let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        let plain = Date.ISO8601FormatStyle()
        guard let date = (try? withFraction.parse(text)) ?? (try? plain.parse(text)) else { return nil }
        let millis = date.timeIntervalSince1970 * 1000
        guard millis.isFinite, abs(millis) < 1e15 else { return nil }
        return Int64(millis.rounded())
    }

    /// `value` (0 ≤ value < 10^width after the clamp above) in exactly `width` digits, zero-padded.
    private static func appendDigits(_ value: Int64, _ width: Int, to output: inout [UInt8]) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            output.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }

    /// Howard Hinnant's days-to-civil algorithm.
    private static func civilDate(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = z.floorDivided(by: 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
