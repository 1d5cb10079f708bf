/// Arithmetic on numbers that came from outside (headers, bodies, documents, third-party answers). Swift traps on
/// overflow, and one trapped header once took the whole server down, so such numbers go through these: they hold at
/// the bounds or answer nil instead of trapping.
extension Int64 {
    /// `self + other`, held at `Int64.min`/`Int64.max` instead of trapping.
    public func addingSaturating(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    /// `self - other`, held at the bounds instead of trapping.
    public func subtractingSaturating(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other < 0 ? .max : .min) : difference
    }

    /// `self * other`, held at the bounds instead of trapping.
    public func multipliedSaturating(by other: Int64) -> Int64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        guard overflow else { return product }
        return (self < 0) == (other < 0) ? .max : .min
    }

    /// The distance between two instants, `|self - other|`, held at `Int64.max` (`abs(Int64.min)` traps).
    public func absoluteDifference(_ other: Int64) -> Int64 {
        let difference = subtractingSaturating(other)
        return difference == .min ? .max : Swift.abs(difference)
    }

    /// The whole part of `value` when it is finite and fits; nil for NaN, ±infinity and anything out of range.
    /// (`Int64(1e300)` traps; this does not.)
    public init?(checkedTruncating value: Double) {
        // 2^63 is exactly representable; every double below it truncates into range.
        guard value.isFinite, value >= -9_223_372_036_854_775_808.0, value < 9_223_372_036_854_775_808.0 else { return nil }
        self.init(value)
    }
}
