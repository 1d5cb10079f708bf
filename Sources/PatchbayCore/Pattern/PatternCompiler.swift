/// Turns a parsed pattern into a `PatternProgram`. Nodes compile back to front: each is given the instruction
/// that follows it and returns its own entry, so no jumps need patching but a loop's split. Counted repetition is
/// expanded into copies, so the program is bounded: past `maximumInstructions` the pattern is refused.
struct PatternCompiler {
    /// The bound on the program, and so on the work per scalar of any search.
    static let maximumInstructions = 20_000
    /// The bound on the instructions that consume a scalar. When the DFA thrashes, each scalar of the text costs a
    /// step over a bit per such instruction: at this bound a MiB is decided in about 50 ms. A pattern of 1,000
    /// characters without counted repetition stays within it; `[a-z]{1,1000}` does too, two of them do not.
    static let maximumConsumingInstructions = 1_000
    /// Bounds the work of expanding nested repetitions of nodes that emit nothing (`(?:(?:){1000}){1000}`).
    static let maximumSteps = 200_000

    private var instructions: [PatternProgram.Instruction] = []
    private var sets: [ScalarSet] = []
    private var setIndexes: [ScalarSet: Int32] = [:]
    private let firstCheckSlot: Int
    private var checkDepth = 0
    private var slotCount: Int
    private var steps = 0
    private var consuming = 0

    private init(captureCount: Int) {
        firstCheckSlot = 2 * (captureCount + 1)
        slotCount = firstCheckSlot
    }

    static func compile(_ parsed: PatternParser.Result) throws(PatternError) -> PatternProgram {
        var compiler = PatternCompiler(captureCount: parsed.captureCount)
        let match = try compiler.emit(.match)
        let end = try compiler.emit(.save(slot: 1, next: match))
        let body = try compiler.compile(parsed.node, next: end)
        let start = try compiler.emit(.save(slot: 0, next: body))
        let usesWordBoundary = parsed.node.usesWordBoundary
        let classes = ScalarClasses(sets: compiler.sets, separateWords: usesWordBoundary)
        var program = PatternProgram(
            instructions: compiler.instructions, start: start, classes: classes, captureCount: parsed.captureCount,
            slotCount: compiler.slotCount, anchoredAtStart: parsed.node.isAnchoredAtStart, usesWordBoundary: usesWordBoundary,
            firstClasses: nil)
        program.firstClasses = firstClasses(of: program)
        return program
    }

    private mutating func compile(_ node: PatternNode, next: Int32) throws(PatternError) -> Int32 {
        steps += 1
        if steps > Self.maximumSteps { throw Self.tooComplex }
        switch node {
        case .empty:
            return next
        case .set(let set):
            consuming += 1
            if consuming > Self.maximumConsumingInstructions { throw Self.tooManyCharacters }
            return try emit(.consume(set: intern(set), next: next))
        case .assertion(let assertion):
            return try emit(.assert(assertion, next: next))
        case .capture(let index, let inner):
            let close = try emit(.save(slot: Int32(2 * index + 1), next: next))
            let body = try compile(inner, next: close)
            return try emit(.save(slot: Int32(2 * index), next: body))
        case .concatenation(let items):
            var entry = next
            for item in items.reversed() { entry = try compile(item, next: entry) }
            return entry
        case .alternation(let items):
            var entries: [Int32] = []
            for item in items { entries.append(try compile(item, next: next)) }
            var entry = entries[entries.count - 1]
            for alternative in entries.dropLast().reversed() { entry = try emit(.split(preferred: alternative, other: entry)) }
            return entry
        case .repetition(let inner, let min, let max, let greedy):
            return try compileRepetition(inner, min: min, max: max, greedy: greedy, next: next)
        }
    }

    /// `min` required copies, then either a loop or `max - min` nested optional copies, `(?:x(?:x)?)?`, whose
    /// order of trial is ECMAScript's. Each iteration first forgets the groups inside (as RepeatMatcher does); an
    /// optional iteration of a body that can match empty saves its start and fails if it consumed nothing.
    private mutating func compileRepetition(
        _ inner: PatternNode, min: Int, max: Int?, greedy: Bool, next: Int32
    ) throws(PatternError) -> Int32 {
        let groups = inner.captureIndexes
        let checkSlot: Int32? = inner.canBeEmpty ? Int32(firstCheckSlot + checkDepth) : nil
        if checkSlot != nil {
            checkDepth += 1
            if checkDepth > PikeVM.maximumDepth {
                throw .tooComplex("repetitions of groups that can match empty nest more than \(PikeVM.maximumDepth) deep", at: 0)
            }
            slotCount = Swift.max(slotCount, firstCheckSlot + checkDepth)
        }
        defer { if checkSlot != nil { checkDepth -= 1 } }

        func iteration(_ compiler: inout PatternCompiler, next: Int32, optional: Bool) throws(PatternError) -> Int32 {
            var entry = next
            if optional, let checkSlot { entry = try compiler.emit(.progress(slot: checkSlot, next: entry)) }
            entry = try compiler.compile(inner, next: entry)
            if let groups {
                entry = try compiler.emit(.clear(from: Int32(2 * groups.lowerBound), to: Int32(2 * groups.upperBound + 2), next: entry))
            }
            if optional, let checkSlot { entry = try compiler.emit(.save(slot: checkSlot, next: entry)) }
            return entry
        }

        var entry = next
        if let max {
            for _ in 0..<(max - min) {
                let body = try iteration(&self, next: entry, optional: true)
                entry = try emit(greedy ? .split(preferred: body, other: next) : .split(preferred: next, other: body))
            }
        } else {
            let loop = try emit(.match)
            let body = try iteration(&self, next: loop, optional: true)
            instructions[Int(loop)] = greedy ? .split(preferred: body, other: next) : .split(preferred: next, other: body)
            entry = loop
        }
        for _ in 0..<min { entry = try iteration(&self, next: entry, optional: false) }
        return entry
    }

    private mutating func emit(_ instruction: PatternProgram.Instruction) throws(PatternError) -> Int32 {
        guard instructions.count < Self.maximumInstructions else { throw Self.tooComplex }
        instructions.append(instruction)
        return Int32(instructions.count - 1)
    }

    private mutating func intern(_ set: ScalarSet) -> Int32 {
        if let index = setIndexes[set] { return index }
        let index = Int32(sets.count)
        sets.append(set)
        setIndexes[set] = index
        return index
    }

    private static let tooManyCharacters = PatternError.tooComplex(
        "the pattern matches more than \(maximumConsumingInstructions) characters in sequence once its counts are expanded; "
            + "use smaller counts in {n,m} (or check the length with maxLength)", at: 0)

    private static let tooComplex = PatternError.tooComplex(
        "the pattern expands to more than \(maximumInstructions) states; use smaller counts in {n,m} or fewer nested repetitions", at: 0)

    /// The classes of the instructions a match can start with, ignoring assertions (so a superset); nil when a
    /// match can be empty, as then any position can start one.
    private static func firstClasses(of program: PatternProgram) -> [Bool]? {
        var first = [Bool](repeating: false, count: program.classes.count)
        var seen = [Bool](repeating: false, count: program.instructions.count)
        var stack = [program.start]
        while let pc = stack.popLast() {
            guard !seen[Int(pc)] else { continue }
            seen[Int(pc)] = true
            switch program.instructions[Int(pc)] {
            case .match:
                return nil
            case .consume(let set, _):
                for classIndex in first.indices where program.classes.contains(set: set, class: classIndex) { first[classIndex] = true }
            case .split(let preferred, let other):
                stack.append(other)
                stack.append(preferred)
            case .save(_, let next), .clear(_, _, let next), .assert(_, let next), .progress(_, let next):
                stack.append(next)
            }
        }
        return first
    }
}
