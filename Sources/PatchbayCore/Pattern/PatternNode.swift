/// A parsed pattern: the syntax tree `PatternParser` builds and `PatternCompiler` turns into a program.
/// Non-capturing groups leave no node; a literal is a one-scalar set.
indirect enum PatternNode: Sendable {
    /// Zero-width tests on the position; none can be repeated.
    enum Assertion: Sendable {
        case start, end, wordBoundary, notWordBoundary
    }

    case empty
    case set(ScalarSet)
    case assertion(Assertion)
    case capture(index: Int, PatternNode)
    case concatenation([PatternNode])
    case alternation([PatternNode])
    /// `max` nil means unbounded; `greedy` false for the lazy forms (`*?`, `{2,5}?`).
    case repetition(PatternNode, min: Int, max: Int?, greedy: Bool)

    /// Whether the node can match without consuming a character; a repeated body that can is given an
    /// empty-iteration check, as ECMAScript's RepeatMatcher rejects such iterations past the minimum.
    var canBeEmpty: Bool {
        switch self {
        case .empty, .assertion: true
        case .set: false
        case .capture(_, let inner): inner.canBeEmpty
        case .concatenation(let items): items.allSatisfy(\.canBeEmpty)
        case .alternation(let items): items.contains(where: \.canBeEmpty)
        case .repetition(let inner, let min, _, _): min == 0 || inner.canBeEmpty
        }
    }

    /// The capture groups inside the node (numbered consecutively, as groups are numbered by their opening
    /// parenthesis), which ECMAScript resets at the start of every iteration of a repetition around them.
    var captureIndexes: ClosedRange<Int>? {
        switch self {
        case .empty, .assertion, .set:
            return nil
        case .capture(let index, let inner):
            return index...(inner.captureIndexes?.upperBound ?? index)
        case .concatenation(let items), .alternation(let items):
            let ranges = items.compactMap(\.captureIndexes)
            guard let first = ranges.first, let last = ranges.last else { return nil }
            return first.lowerBound...last.upperBound
        case .repetition(let inner, _, _, _):
            return inner.captureIndexes
        }
    }

    /// Whether every match must begin at the start of the input (`^…`), so a search never restarts later.
    var isAnchoredAtStart: Bool {
        switch self {
        case .assertion(.start): true
        case .empty, .set, .assertion: false
        case .capture(_, let inner): inner.isAnchoredAtStart
        case .concatenation(let items): items.first?.isAnchoredAtStart ?? false
        case .alternation(let items): items.allSatisfy(\.isAnchoredAtStart)
        case .repetition(let inner, let min, _, _): min > 0 && inner.isAnchoredAtStart
        }
    }

    var usesWordBoundary: Bool {
        switch self {
        case .assertion(.wordBoundary), .assertion(.notWordBoundary): true
        case .empty, .set, .assertion: false
        case .capture(_, let inner), .repetition(let inner, _, _, _): inner.usesWordBoundary
        case .concatenation(let items), .alternation(let items): items.contains(where: \.usesWordBoundary)
        }
    }
}
