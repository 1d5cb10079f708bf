/// A compiled pattern: a Thompson NFA whose instructions both engines run. Instructions are numbered; `next`
/// and the branches of `split` are instruction numbers. Slots `2k` and `2k+1` hold where group `k` starts and ends
/// (group 0 is the whole match); the slots after them hold where the current iteration of a repetition began, for
/// ECMAScript's rule that an optional iteration may not match the empty string.
struct PatternProgram: Sendable {
    enum Instruction: Sendable {
        /// Consumes one scalar of the set (an index into the program's sets).
        case consume(set: Int32, next: Int32)
        /// Tries `preferred` first: the order is what makes matching leftmost-first, greedy or lazy.
        case split(preferred: Int32, other: Int32)
        case save(slot: Int32, next: Int32)
        /// Forgets slots `from..<to`: the groups inside a repetition, at the start of each iteration.
        case clear(from: Int32, to: Int32, next: Int32)
        case assert(PatternNode.Assertion, next: Int32)
        /// Fails when nothing was consumed since `slot` was saved (an empty optional iteration).
        case progress(slot: Int32, next: Int32)
        case match
    }

    var instructions: [Instruction]
    var start: Int32
    var classes: ScalarClasses
    var captureCount: Int
    var slotCount: Int
    var anchoredAtStart: Bool
    var usesWordBoundary: Bool
    /// The classes a match can begin with, or nil when a match may be empty (then every position is a candidate).
    var firstClasses: [Bool]?
}
