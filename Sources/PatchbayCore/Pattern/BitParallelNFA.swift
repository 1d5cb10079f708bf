/// The lazy DFA's fallback when it thrashes (a pattern such as `[ab]*a[ab]{999}` meets a new DFA state at nearly
/// every byte): the NFA's threads stepped as a bit set, one bit per consuming instruction. Counted repetition
/// compiles to chains of consuming instructions, each followed only by the next, and all the threads along a chain
/// advance with one shift per 64 of them; the other instructions (loop heads, alternatives) add their successors
/// one by one. So the cost per scalar is about the program size / 64 plus the active branch points, where stepping
/// threads one at a time costs the number of threads.
///
/// Built per search from the program, within a work budget; patterns with `\b` or `\B` (whose successors depend on
/// the characters around) are not handled and step threads instead.
struct BitParallelNFA {
    /// Where an instruction leads without consuming: the consuming instructions (by bit), and whether the match is
    /// reached there, before the end of the input or at it.
    private struct Closure {
        var bits: [Int32] = []
        var matchesNow = false
        var matchesAtEnd = false
    }

    /// Closure visits allowed to build one, beyond which the threads are stepped one at a time instead.
    static let buildBudget = 4_000_000

    private let program: PatternProgram
    /// Bit number of each consuming instruction; -1 for the others.
    private let bitOf: [Int32]
    private let pcOf: [Int32]
    private let words: Int
    /// Bits whose only successor is the bit below, with no match on the way: these advance by a shift.
    private let chain: [UInt64]
    /// Bits that add nothing a new attempt does not add anyway: nothing to do for them.
    private let idle: [UInt64]
    /// The successors of the other bits, back to back: those of bit `b` at `successorStarts[b]..<successorStarts[b + 1]`.
    private let successors: [Int32]
    private let successorStarts: [Int32]
    /// Per bit, 1 when its successors reach the match before the end of the input, 2 when at it (both: 3).
    private let matchFlags: [UInt8]
    private let restart: Closure

    init?(_ program: PatternProgram) {
        guard !program.usesWordBoundary else { return nil }
        var bitOf = [Int32](repeating: -1, count: program.instructions.count)
        var pcOf: [Int32] = []
        for (pc, instruction) in program.instructions.enumerated() {
            if case .consume = instruction {
                bitOf[pc] = Int32(pcOf.count)
                pcOf.append(Int32(pc))
            }
        }
        self.program = program
        self.bitOf = bitOf
        self.pcOf = pcOf
        words = (pcOf.count + 63) / 64 + 1
        var budget = Self.buildBudget
        var seen = Seen(count: program.instructions.count)
        guard let restart = Self.closure(of: [program.start], program, bitOf: bitOf, atStart: false, seen: &seen, budget: &budget)
        else { return nil }
        // An unanchored search adds the bits a new attempt starts with at every step, so successors need not.
        let restarting = Set(program.anchoredAtStart ? [] : restart.bits)
        var chain = [UInt64](repeating: 0, count: words)
        var idle = [UInt64](repeating: 0, count: words)
        var successors: [Int32] = []
        var successorStarts: [Int32] = [0]
        var matchFlags: [UInt8] = []
        for (bit, pc) in pcOf.enumerated() {
            guard case .consume(_, let next) = program.instructions[Int(pc)],
                let closure = Self.closure(of: [next], program, bitOf: bitOf, atStart: false, seen: &seen, budget: &budget)
            else { return nil }
            let added = closure.bits.filter { !restarting.contains($0) }
            if closure.bits == [Int32(bit - 1)], !closure.matchesAtEnd {
                chain[bit / 64] |= 1 << UInt64(bit % 64)
            } else if added.isEmpty, !closure.matchesAtEnd {
                idle[bit / 64] |= 1 << UInt64(bit % 64)
            }
            successors += added
            successorStarts.append(Int32(successors.count))
            matchFlags.append((closure.matchesNow ? 1 : 0) | (closure.matchesAtEnd ? 2 : 0))
        }
        self.chain = chain
        self.idle = idle
        self.successors = successors
        self.successorStarts = successorStarts
        self.matchFlags = matchFlags
        self.restart = restart
    }

    /// Whether a match ends at or after `from`, given the instructions the search is at there (a DFA state's).
    func isMatch(_ input: UTF8Input, from: Int, following pcs: [Int32], atStart: Bool, steps: inout Int) -> Bool {
        var budget = Int.max
        var seen = Seen(count: program.instructions.count)
        guard let initial = Self.closure(of: pcs, program, bitOf: bitOf, atStart: atStart, seen: &seen, budget: &budget) else {
            return false
        }
        if initial.matchesNow { return true }
        // One buffer for the bit sets of the loop, `words` each: the threads now and next, the accepted threads
        // that branch, the threads a new attempt starts with, the chain links and the branching bits.
        let (now, next, branching, restarts, links, notLinks) = (0, words, 2 * words, 3 * words, 4 * words, 5 * words)
        var lanes = [UInt64](repeating: 0, count: 6 * words)
        for bit in initial.bits { lanes[now + Int(bit) / 64] |= 1 << UInt64(bit % 64) }
        if !program.anchoredAtStart {
            for bit in restart.bits { lanes[restarts + Int(bit) / 64] |= 1 << UInt64(bit % 64) }
        }
        for word in 0..<words {
            lanes[links + word] = chain[word]
            lanes[notLinks + word] = ~chain[word] & ~idle[word]
        }
        // Per class, the bits of the instructions that accept it: computed for the classes met.
        var accepts = [UInt64](repeating: 0, count: words * program.classes.count)
        var acceptsKnown = [Bool](repeating: false, count: program.classes.count)
        let restartMatchesNow = !program.anchoredAtStart && restart.matchesNow
        let restartMatchesAtEnd = !program.anchoredAtStart && restart.matchesAtEnd
        var matchesAtEnd = initial.matchesAtEnd
        var (current, following) = (now, next)
        var at = from
        while at < input.count {
            let (scalar, length) = input.scalar(at: at)
            let classIndex = program.classes.classOf(scalar)
            if !acceptsKnown[classIndex] {
                fillAccepts(classIndex, into: &accepts)
                acceptsKnown[classIndex] = true
            }
            let row = classIndex * words
            var matchesNow = restartMatchesNow
            matchesAtEnd = restartMatchesAtEnd
            let alive = lanes.withUnsafeMutableBufferPointer { lanes in
                accepts.withUnsafeBufferPointer { accepts in
                    guard let base = lanes.baseAddress, let accepting = accepts.baseAddress.map({ $0 + row }) else { return false }
                    let (threads, stepped, branched) = (base + current, base + following, base + branching)
                    let (restarting, linking, branching) = (base + restarts, base + links, base + notLinks)
                    // Chain links: bit i goes to bit i - 1, carrying across words; a new attempt starts everywhere.
                    var carried: UInt64 = 0
                    var any: UInt64 = 0
                    var word = words &- 1
                    while word >= 0 {
                        let accepted = threads[word] & accepting[word]
                        let moving = accepted & linking[word]
                        stepped[word] = moving >> 1 | carried << 63 | restarting[word]
                        branched[word] = accepted & branching[word]
                        carried = moving & 1
                        any |= accepted
                        word = word &- 1
                    }
                    for word in 0..<words where branched[word] != 0 {
                        var others = branched[word]
                        while others != 0 {
                            let bit = word &* 64 &+ others.trailingZeroBitCount
                            for index in Int(successorStarts[bit])..<Int(successorStarts[bit + 1]) {
                                let successor = Int(successors[index])
                                stepped[successor >> 6] |= 1 << UInt64(successor & 63)
                            }
                            matchesNow = matchesNow || matchFlags[bit] & 1 != 0
                            matchesAtEnd = matchesAtEnd || matchFlags[bit] & 2 != 0
                            steps += 1 + Int(successorStarts[bit + 1] - successorStarts[bit])
                            others &= others &- 1
                        }
                    }
                    return any != 0
                }
            }
            if matchesNow { return true }
            if !alive, program.anchoredAtStart { return false }
            swap(&current, &following)
            steps += words
            at += length
        }
        return matchesAtEnd
    }

    /// Sets the bits of the consuming instructions that accept the class, in its row of `accepts`.
    private func fillAccepts(_ classIndex: Int, into accepts: inout [UInt64]) {
        for (bit, pc) in pcOf.enumerated() {
            if case .consume(let set, _) = program.instructions[Int(pc)], program.classes.contains(set: set, class: classIndex) {
                accepts[classIndex * words + bit / 64] |= 1 << UInt64(bit % 64)
            }
        }
    }

    /// Follows `pcs` through everything but consuming instructions, twice: before the end of the input (collecting
    /// consuming instructions) and at it (for `$`). nil when the budget runs out.
    private static func closure(
        of pcs: [Int32], _ program: PatternProgram, bitOf: [Int32], atStart: Bool, seen: inout Seen, budget: inout Int
    ) -> Closure? {
        var closure = Closure()
        for atEnd in [false, true] {
            seen.clear()
            var stack = Array(pcs.reversed())
            while let top = stack.popLast() {
                var pc = top
                follow: while seen.insert(pc) {
                    budget -= 1
                    if budget < 0 { return nil }
                    switch program.instructions[Int(pc)] {
                    case .match:
                        if atEnd { closure.matchesAtEnd = true } else { closure.matchesNow = true }
                        break follow
                    case .consume:
                        if !atEnd { closure.bits.append(bitOf[Int(pc)]) }
                        break follow
                    case .split(let preferred, let other):
                        stack.append(other)
                        pc = preferred
                    case .save(_, let next), .clear(_, _, let next), .progress(_, let next):
                        pc = next
                    case .assert(let assertion, let next):
                        switch assertion {
                        case .start: guard atStart else { break follow }
                        case .end: guard atEnd else { break follow }
                        case .wordBoundary, .notWordBoundary: return nil
                        }
                        pc = next
                    }
                }
            }
        }
        closure.matchesAtEnd = closure.matchesAtEnd || closure.matchesNow
        return closure
    }

    /// Instructions visited by one closure: a stamp per instruction, so clearing is one increment.
    private struct Seen {
        var stamps: [UInt32]
        var stamp: UInt32 = 1

        init(count: Int) { stamps = [UInt32](repeating: 0, count: count) }

        mutating func clear() {
            stamp &+= 1
            if stamp == 0 {
                for index in stamps.indices { stamps[index] = 0 }
                stamp = 1
            }
        }

        mutating func insert(_ pc: Int32) -> Bool {
            if stamps[Int(pc)] == stamp { return false }
            stamps[Int(pc)] = stamp
            return true
        }
    }
}
