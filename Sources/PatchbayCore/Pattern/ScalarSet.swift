/// A set of Unicode code points kept as sorted, disjoint, non-adjacent ranges: what a class, an escape such as
/// `\d`, a property `\p{L}` or a single literal matches. Code points rather than `Unicode.Scalar` so that ranges
/// may cross the surrogates (`[\u0000-\u{10FFFF}]`); surrogates never occur in a Swift string, so they never match.
struct ScalarSet: Sendable, Hashable {
    static let maximum: UInt32 = 0x10FFFF

    private(set) var ranges: [ClosedRange<UInt32>]

    init() { ranges = [] }

    init(_ scalar: UInt32) { ranges = [scalar...scalar] }

    init(_ ranges: [ClosedRange<UInt32>]) {
        self.ranges = Self.normalized(ranges)
    }

    static let all = ScalarSet([0...maximum])
    static let digits = ScalarSet([0x30...0x39])
    /// `\w` with the `u` flag and no `i` flag: ASCII letters, digits and the underscore only.
    static let word = ScalarSet([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])
    static let lineTerminators = ScalarSet([0x0A...0x0A, 0x0D...0x0D, 0x2028...0x2029])
    /// `\s`: ECMAScript WhiteSpace (including every Zs space) and LineTerminator.
    static let spaces = ScalarSet([
        0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A, 0x2028...0x2029, 0x202F...0x202F,
        0x205F...0x205F, 0x3000...0x3000, 0xFEFF...0xFEFF,
    ])
    /// `.` without the `s` flag.
    static let dot = lineTerminators.inverted()

    var isEmpty: Bool { ranges.isEmpty }

    func contains(_ scalar: UInt32) -> Bool {
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].upperBound < scalar {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low < ranges.count && ranges[low].contains(scalar)
    }

    func union(_ other: ScalarSet) -> ScalarSet {
        ScalarSet(ranges + other.ranges)
    }

    mutating func formUnion(_ other: ScalarSet) {
        ranges = Self.normalized(ranges + other.ranges)
    }

    func inverted() -> ScalarSet {
        var result: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for range in ranges {
            if range.lowerBound > next { result.append(next...(range.lowerBound - 1)) }
            next = range.upperBound + 1
        }
        if next <= Self.maximum { result.append(next...Self.maximum) }
        var set = ScalarSet()
        set.ranges = result
        return set
    }

    private static func normalized(_ ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        guard ranges.count > 1 else { return ranges }
        let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
        var result: [ClosedRange<UInt32>] = [sorted[0]]
        for range in sorted.dropFirst() {
            let last = result[result.count - 1]
            // Adjacent ranges merge too, so equal sets have equal representations (and hash alike).
            if range.lowerBound <= last.upperBound || range.lowerBound == last.upperBound + 1 {
                result[result.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                result.append(range)
            }
        }
        return result
    }
}
