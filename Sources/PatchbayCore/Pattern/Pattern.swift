/// A regular expression in ECMAScript syntax (as JSON Schema `pattern` and OpenAPI use it, read with the `u` flag),
/// compiled once and matched in time linear in the text, whatever the pattern: no backtracking, so `^(a|aa)+$`
/// on a long run of `a`s costs what `^a+$` does. `matches` runs a lazy DFA; `firstMatch` and `matches(in:)` run a
/// Pike VM for the captures, with JavaScript's leftmost-first answers (`exec`, `matchAll`). Every search is
/// O(text × program), and the program is bounded (`PatternCompiler.maximumInstructions`); in practice a search is
/// one table lookup per byte once the DFA is warm.
///
/// Backreferences and look-around cannot run in linear time and are refused (`PatternError.Kind.unsupported`), as
/// are patterns that expand past a bounded program (`.tooComplex`), such as `((a{1,100}){1,100}){1,100}`.
/// Matching works on Unicode scalars: `.` is one scalar, and match ranges fall on scalar boundaries.
public struct Pattern: Sendable {
    /// The longest source accepted, in Unicode scalars: with the program bound, it bounds the time to compile.
    public static let maximumSourceLength = 1000

    public let source: String
    let engine: PatternEngine

    /// Compiles `source`; throws a `PatternError` that says what is wrong and where.
    public init(_ source: String) throws(PatternError) {
        let length = source.unicodeScalars.count
        guard length <= Self.maximumSourceLength else {
            throw .tooComplex("the pattern is longer than \(Self.maximumSourceLength) characters", at: Self.maximumSourceLength)
        }
        let parsed = try PatternParser.parse(source)
        let program = try PatternCompiler.compile(parsed)
        // The DFA's fallback bounds the time a MiB can take; a pattern whose steps would cost too much is refused here
        // rather than found slow on a hostile value.
        guard let stepper = BitParallelNFA(program), stepper.stepCost <= BitParallelNFA.maximumStepCost else {
            throw .tooComplex(
                "the pattern has too many optional parts in sequence to match in bounded time; use fewer '?', '|' or {n,m} ranges in a row",
                at: 0)
        }
        self.source = source
        engine = PatternEngine(program: program, stepper: stepper, groupNames: parsed.groupNames)
    }

    /// The number of capture groups, named ones included; group 0, the whole match, is not counted.
    public var captureCount: Int { engine.program.captureCount }

    /// Named groups and their numbers.
    public var groupNames: [String: Int] { engine.groupNames }

    /// Whether the pattern matches anywhere in `text`, as JavaScript's `RegExp.prototype.test` (and JSON Schema's
    /// `pattern`) decide.
    public func matches(_ text: String) -> Bool {
        var steps = 0
        return matches(text, steps: &steps)
    }

    /// The leftmost match with its groups, as JavaScript's `exec` finds it.
    public func firstMatch(in text: String) -> PatternMatch? {
        var steps = 0
        return firstMatch(in: text, steps: &steps)
    }

    /// Every match from left to right, not overlapping, as `matchAll` with the `g` flag finds them: after an empty
    /// match the search goes on one scalar further.
    public func matches(in text: String) -> [PatternMatch] {
        var steps = 0
        return matches(in: text, steps: &steps)
    }

    // MARK: Counting work (for tests)

    /// Instructions in the compiled program: the `m` of the O(m·n) bound on every search.
    var programSize: Int { engine.program.instructions.count }

    /// `matches(_:)`, adding to `steps` the scalars read and NFA instructions visited.
    func matches(_ text: String, steps: inout Int) -> Bool {
        UTF8Input.with(text) { input in
            engine.withDFA { LazyDFA.isMatch(engine.program, input, from: 0, cache: &$0, stepper: engine.stepper, steps: &steps) }
        }
    }

    func firstMatch(in text: String, steps: inout Int) -> PatternMatch? {
        UTF8Input.with(text) { input in
            search(input, from: 0, steps: &steps).map {
                PatternMatch(text: text, slots: $0, captureCount: captureCount, groupNames: engine.groupNames)
            }
        }
    }

    func matches(in text: String, steps: inout Int) -> [PatternMatch] {
        UTF8Input.with(text) { input in
            var found: [PatternMatch] = []
            var from = 0
            while from <= input.count, let slots = search(input, from: from, steps: &steps) {
                found.append(PatternMatch(text: text, slots: slots, captureCount: captureCount, groupNames: engine.groupNames))
                let (start, end) = (slots[0], slots[1])
                if end > start {
                    from = end
                } else if end < input.count {
                    from = end + input.scalar(at: end).length
                } else {
                    break
                }
            }
            return found
        }
    }

    /// The DFA first, which answers "no match" (the common case for a search past the last match) in one cheap
    /// pass; only then the Pike VM for where the match is and its groups.
    private func search(_ input: UTF8Input, from: Int, steps: inout Int) -> [Int]? {
        let program = engine.program
        guard engine.withDFA({ LazyDFA.isMatch(program, input, from: from, cache: &$0, stepper: engine.stepper, steps: &steps) }) else {
            return nil
        }
        return engine.withVM { PikeVM.search(program, input, from: from, cache: &$0, steps: &steps) }
    }
}
