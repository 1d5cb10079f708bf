/// Decides whether a pattern matches anywhere in a text, in one pass and without captures: a lazy DFA, as in RE2
/// and Rust's regex. A DFA state is a set of NFA instructions (the threads alive at a position); its transitions,
/// one per scalar class, are computed the first time they are taken and kept, so after a warm-up each scalar costs
/// one table lookup. The cache is bounded: when it fills it is emptied and the search goes on from the state it was
/// in, so the cost per scalar is never more than one NFA step over the program. When the cache fills and each state
/// served only a few bytes (the DFA of `[ab]*a[ab]{99}` has 2^100 states), building states is wasted work and the
/// rest of the text is searched by stepping the NFA's threads, as bit sets (`BitParallelNFA`) when possible.
///
/// Assertions are resolved on the transition out of a state, once the next scalar is known: a state records whether
/// it is at the start of the input and whether the scalar before it was a word character, and the end of the input
/// is one more class. So `^`, `$`, `\b` and `\B` need no fallback. Empty-iteration checks and captures do not change
/// whether a match exists, so they are ignored here.
enum LazyDFA {
    static let memoryLimit = 4 << 20
    /// States built by one search after which, if they served fewer than 8 bytes each, it steps threads instead
    /// without waiting for the cache to fill (which takes a while when each state holds hundreds of threads).
    static let thrashingStates = 512
    static let unknown: Int32 = -1
    static let dead: Int32 = -2
    static let matched: Int32 = -3
    private static let atStartFlag: Int32 = 1
    private static let afterWordFlag: Int32 = 2

    /// Whether a match starts at or after byte offset `from`. `steps` counts bytes read and instructions visited
    /// while building states, which the tests bound to show the search is linear.
    static func isMatch(
        _ program: PatternProgram, _ input: UTF8Input, from: Int, cache: inout Cache, stepper: BitParallelNFA? = nil, steps: inout Int
    ) -> Bool {
        var flags: Int32 = from == 0 ? atStartFlag : 0
        if program.usesWordBoundary, input.isWord(before: from) { flags |= afterWordFlag }
        var state = cache.startRow(program, flags: flags)
        let classes = program.classes
        let clearsBefore = cache.clears
        var built = 0
        var at = from
        while true {
            let scanned = at
            let stop = cache.transitions.withUnsafeBufferPointer { table in
                classes.asciiClasses.withUnsafeBufferPointer { ascii in
                    scan(input, classes, table: table, ascii: ascii, state: &state, at: &at)
                }
            }
            steps += at - scanned + 1
            var next = stop.next
            if next == unknown {
                // States that served fewer than 8 bytes each (the cache filled, or 512 were built) cost more than they save: step
                // the NFA's threads directly for the rest of the text (as RE2 does), as bit sets when possible.
                if cache.clears > clearsBefore || built >= Self.thrashingStates, at - from < built * 8 {
                    if let threads = stepper ?? BitParallelNFA(program) {
                        let (pcs, flags) = cache.instructions(ofRow: state)
                        return threads.isMatch(input, from: at, following: pcs, atStart: flags & atStartFlag != 0, steps: &steps)
                    }
                    return stepThreads(program, input, from: at, state: state, cache: &cache, steps: &steps)
                }
                built += 1
                next = transition(program, from: state, on: stop.classIndex, cache: &cache, steps: &steps)
            }
            if next == matched { return true }
            if next == dead || stop.length == 0 { return false }
            state = next
            at += stop.length
        }
    }

    /// Follows known transitions from `state` at `at` until one is missing, dead or matched, and returns it with
    /// the class and length of the scalar it is for (length 0 for the end of the input), leaving `state` and `at`
    /// before that scalar. The loop every byte of a search goes through: a table lookup per ASCII byte.
    @inline(__always)
    private static func scan(
        _ input: UTF8Input, _ classes: ScalarClasses, table: UnsafeBufferPointer<Int32>, ascii: UnsafeBufferPointer<Int32>,
        state: inout Int32, at: inout Int
    ) -> (next: Int32, classIndex: Int, length: Int) {
        let bytes = input.bytes
        var current = Int(state)
        var offset = at
        defer {
            state = Int32(current)
            at = offset
        }
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte < 0x80 {
                let classIndex = Int(ascii[Int(byte)])
                let next = table[current + classIndex]
                if next < 0 { return (next, classIndex, 1) }
                current = Int(next)
                offset += 1
            } else {
                let (scalar, length) = input.scalar(at: offset)
                let classIndex = classes.classOf(scalar)
                let next = table[current + classIndex]
                if next < 0 { return (next, classIndex, length) }
                current = Int(next)
                offset += length
            }
        }
        return (table[current + classes.count], classes.count, 0)
    }

    /// The search without states: from the threads of the state at `row`, follow every scalar from `from` on.
    private static func stepThreads(
        _ program: PatternProgram, _ input: UTF8Input, from: Int, state row: Int32, cache: inout Cache, steps: inout Int
    ) -> Bool {
        var (flags, pushed) = cache.pushInstructions(ofRow: row)
        let keyBase = cache.keyBase
        var at = from
        while true {
            var classIndex = program.classes.count
            var length = 0
            if at < input.count {
                let scalar: UInt32
                (scalar, length) = input.scalar(at: at)
                classIndex = program.classes.classOf(scalar)
            }
            steps += 1
            let stamp = cache.nextStamp()
            let count = cache.marks.withUnsafeMutableBufferPointer { marks in
                cache.work.withUnsafeMutableBufferPointer { work in
                    follow(
                        program, classIndex: classIndex, flags: flags, stamp: stamp, marks: marks, work: work, pushed: pushed,
                        keyBase: keyBase, canonical: false, steps: &steps)
                }
            }
            if count < 0 { return true }
            if count == 0 || length == 0 { return false }
            // The next threads become the instructions to follow, the first on top.
            flags = cache.work[keyBase + count - 1]
            pushed = count - 1
            for index in 0..<pushed { cache.work[index] = cache.work[keyBase + pushed - 1 - index] }
            at += length
        }
    }

    /// Computes and records the transition of the state at `row` on class `classIndex` (the end of the input when it
    /// is the class count): follows the state's instructions through splits and assertions, which the class decides,
    /// and collects where the consuming instructions that accept the class lead.
    private static func transition(
        _ program: PatternProgram, from row: Int32, on classIndex: Int, cache: inout Cache, steps: inout Int
    ) -> Int32 {
        let stamp = cache.nextStamp()
        let (flags, pushed) = cache.pushInstructions(ofRow: row)
        let keyBase = cache.keyBase
        let count = cache.marks.withUnsafeMutableBufferPointer { marks in
            cache.work.withUnsafeMutableBufferPointer { work in
                follow(
                    program, classIndex: classIndex, flags: flags, stamp: stamp, marks: marks, work: work, pushed: pushed,
                    keyBase: keyBase, canonical: true, steps: &steps)
            }
        }
        switch count {
        case ..<0:
            cache.transitions[Int(row) + classIndex] = matched
            return matched
        case 0:
            cache.transitions[Int(row) + classIndex] = dead
            return dead
        default:
            var cleared = false
            let target = cache.row(forKeyOf: count, cleared: &cleared)
            if !cleared { cache.transitions[Int(row) + classIndex] = target }
            return target
        }
    }

    /// The closure and step of `transition`, on raw buffers: `work[0..<pushed]` holds the instructions to follow;
    /// the next state's key is written from `work[keyBase]`, sorted when `canonical` (to be looked up). Returns the
    /// key's length, 0 when no thread survives, or -1 when a thread reached the match.
    private static func follow(
        _ program: PatternProgram, classIndex: Int, flags: Int32, stamp: UInt32, marks: UnsafeMutableBufferPointer<UInt32>,
        work: UnsafeMutableBufferPointer<Int32>, pushed: Int, keyBase: Int, canonical: Bool, steps: inout Int
    ) -> Int {
        let atEnd = classIndex == program.classes.count
        let nextIsWord = program.classes.isWord[classIndex]
        let boundary = (flags & afterWordFlag != 0) != nextIsWord
        let queuedBase = program.instructions.count
        var top = pushed
        var count = 0
        var visits = 0
        defer { steps += visits }
        while top > 0 {
            top -= 1
            var pc = Int(work[top])
            follow: while marks[pc] != stamp {
                marks[pc] = stamp
                visits += 1
                switch program.instructions[pc] {
                case .match:
                    return -1
                case .consume(let set, let next):
                    if !atEnd, marks[queuedBase + Int(next)] != stamp, program.classes.contains(set: set, class: classIndex) {
                        marks[queuedBase + Int(next)] = stamp
                        work[keyBase + count] = next
                        count += 1
                    }
                    break follow
                case .split(let preferred, let other):
                    work[top] = other
                    top += 1
                    pc = Int(preferred)
                case .save(_, let next), .clear(_, _, let next), .progress(_, let next):
                    pc = Int(next)
                case .assert(let assertion, let next):
                    let holds =
                        switch assertion {
                        case .start: flags & atStartFlag != 0
                        case .end: atEnd
                        case .wordBoundary: boundary
                        case .notWordBoundary: !boundary
                        }
                    guard holds else { break follow }
                    pc = Int(next)
                }
            }
        }
        // An unanchored search may start a new attempt at every position.
        if !program.anchoredAtStart, !atEnd, marks[queuedBase + Int(program.start)] != stamp {
            marks[queuedBase + Int(program.start)] = stamp
            work[keyBase + count] = program.start
            count += 1
        }
        guard count > 0 else { return 0 }
        if !canonical {
            // Order does not matter to a search without states.
        } else if count * 4 < queuedBase {
            var key = UnsafeMutableBufferPointer(rebasing: work[keyBase..<(keyBase + count)])
            key.sort()
        } else {
            // Many threads: collecting the queued instructions in order is cheaper than sorting them.
            count = 0
            for pc in 0..<queuedBase where marks[queuedBase + pc] == stamp {
                work[keyBase + count] = Int32(pc)
                count += 1
            }
        }
        work[keyBase + count] = program.usesWordBoundary && nextIsWord ? afterWordFlag : 0
        return count + 1
    }
}
