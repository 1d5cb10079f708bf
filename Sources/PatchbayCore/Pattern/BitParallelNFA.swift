/// The lazy DFA's fallback when it thrashes (a pattern such as `[ab]*a[ab]{999}` meets a new DFA state at nearly
/// every byte): the NFA's threads stepped as a bit set, one bit per consuming instruction, built once per pattern.
///
/// Counted repetition compiles to chains of consuming instructions, each followed only by the next, and all the
/// threads along a chain advance with one shift per 64 of them. Every other successor comes from a group: bits whose
/// extra successors (and whether the match is reached) are the same, such as every copy in `.{0,900}x` (each may be
/// followed by `x`), or every last letter of a list of words. A step tests each group once for a live member and adds
/// its successors once. So a step costs the program's consuming instructions / 64 plus its groups, whatever the text:
/// `stepCost` bounds it, and `Pattern` refuses a pattern whose cost would make a MiB take more than about 50 ms
/// (`(?:a?){900}`, where each of 900 copies may skip to any later one, has 900 groups of up to 900 successors).
///
/// `\b` and `\B` depend on the scalars on either side of a position, both known when a step is taken (the one
/// consumed, the one after it), so a pattern with them gets four sets of chains and groups, one per context (word or
/// not before, word or not after), and each step uses its own.
struct BitParallelNFA: Sendable {
    /// Where an instruction leads without consuming: the consuming instructions (by bit), and whether the match is
    /// reached there, before the end of the input or at it.
    private struct Closure {
        var bits: [Int32] = []
        var matchesNow = false
        var matchesAtEnd = false
    }

    /// What decides `\b` and `\B` at a position: whether the scalars before and after it are word characters.
    /// Index of the chains, groups and restarts that hold there (always 0 without word boundaries).
    struct Context {
        var wordBefore: Bool
        var wordAfter: Bool

        var index: Int { (wordBefore ? 2 : 0) | (wordAfter ? 1 : 0) }
        static let all = [false, true].flatMap { before in [false, true].map { Context(wordBefore: before, wordAfter: $0) } }
    }

    /// Bits with the same extra successors and match flags: members in words `low...high` (their masks at
    /// `memberOffset` in `masks`), successors in words `successorLow...successorHigh` (at `successorOffset`), or none
    /// when `successorLow > successorHigh`.
    private struct Group {
        var low: Int32
        var high: Int32
        var memberOffset: Int32
        var successorLow: Int32
        var successorHigh: Int32
        var successorOffset: Int32
        /// 1 when the match is reached before the end of the input, 2 when at it.
        var flags: UInt8
    }

    /// A group whose members and successors each lie in one word, the common case, tested and applied in a few
    /// instructions.
    private struct Single {
        var member: UInt64
        var successor: UInt64
        var memberWord: Int32
        var successorWord: Int32
        var flags: UInt8
    }

    /// Closure visits allowed to build one; a pattern that needs more is refused (`Pattern` throws).
    static let buildBudget = 4_000_000
    /// The bound on `stepCost`. At it, a MiB that keeps every thread alive takes about 0.25 s (`BENCHMARKS.md`); the
    /// realistic patterns measured cost at most 92 (a full IPv6 address), those of the public API descriptions in
    /// `../shared/specs` at most 13, and a pattern that reaches this bound has about 100 optional parts in sequence.
    static let maximumStepCost = 128

    private let program: PatternProgram
    /// Bit number of each consuming instruction; -1 for the others.
    private let bitOf: [Int32]
    private let pcOf: [Int32]
    private let words: Int
    /// 4 when the pattern has word boundaries (one per `Context`), else 1.
    private let contexts: Int
    /// Per context, `words` each: the bits that advance by a shift (whose successors include the bit below) and the
    /// bits that belong to a group. The bits a new attempt starts with, per context, are in `tables`.
    private let chain: [UInt64]
    private let grouped: [UInt64]
    /// The groups of context `c` (in `tables`) at `groupStarts[c]..<groupStarts[c + 1]`, and its one-word groups at
    /// `singleStarts[c]..<singleStarts[c + 1]`.
    private let singleStarts: [Int]
    private let groupStarts: [Int]
    private let tables: Tables
    /// Words read and written per step at most, in the costliest context: the shift over every word, plus each group's
    /// member words and successor words.
    let stepCost: Int
    private let contextCosts: [Int]

    init?(_ program: PatternProgram) {
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
        let words = (pcOf.count + 63) / 64 + 1
        let contexts = program.usesWordBoundary ? 4 : 1
        var budget = Self.buildBudget
        var seen = Seen(count: program.instructions.count)
        var chain = [UInt64](repeating: 0, count: contexts * words)
        var grouped = [UInt64](repeating: 0, count: contexts * words)
        var restarts = [UInt64](repeating: 0, count: contexts * words)
        var restartMatches = [UInt8](repeating: 0, count: contexts)
        var groups: [Group] = []
        var groupStarts = [0]
        var singles: [Single] = []
        var singleStarts = [0]
        var masks: [UInt64] = []
        var contextCosts: [Int] = []
        for context in Context.all.prefix(contexts) {
            let base = context.index * words
            guard
                let restart = Self.closure(
                    of: [program.start], program, bitOf: bitOf, atStart: false, context: context, seen: &seen, budget: &budget)
            else { return nil }
            // An unanchored search adds the bits a new attempt starts with at every step, so successors need not.
            let restarting = Set(program.anchoredAtStart ? [] : restart.bits)
            if !program.anchoredAtStart {
                for bit in restart.bits { restarts[base + Int(bit) / 64] |= 1 << UInt64(bit % 64) }
                restartMatches[context.index] = (restart.matchesNow ? 1 : 0) | (restart.matchesAtEnd ? 2 : 0)
            }
            struct Key: Hashable {
                var successors: [Int32]
                var flags: UInt8
            }
            var memberBits: [Key: [Int]] = [:]
            var order: [Key] = []
            for (bit, pc) in pcOf.enumerated() {
                guard case .consume(_, let next) = program.instructions[Int(pc)],
                    let closure = Self.closure(
                        of: [next], program, bitOf: bitOf, atStart: false, context: context, seen: &seen, budget: &budget)
                else { return nil }
                var extra = closure.bits.filter { !restarting.contains($0) }
                if bit > 0, let link = extra.firstIndex(of: Int32(bit - 1)) {
                    extra.remove(at: link)
                    chain[base + bit / 64] |= 1 << UInt64(bit % 64)
                }
                let flags: UInt8 = (closure.matchesNow ? 1 : 0) | (closure.matchesAtEnd ? 2 : 0)
                guard !extra.isEmpty || flags != 0 else { continue }
                grouped[base + bit / 64] |= 1 << UInt64(bit % 64)
                let key = Key(successors: extra.sorted(), flags: flags)
                if memberBits[key] == nil { order.append(key) }
                memberBits[key, default: []].append(bit)
            }
            var cost = words
            for key in order {
                let bits = memberBits[key] ?? []
                if bits[0] / 64 == bits[bits.count - 1] / 64,
                    key.successors.isEmpty || key.successors[0] / 64 == key.successors[key.successors.count - 1] / 64
                {
                    var single = Single(member: 0, successor: 0, memberWord: Int32(bits[0] / 64), successorWord: 0, flags: key.flags)
                    for bit in bits { single.member |= 1 << UInt64(bit % 64) }
                    for bit in key.successors {
                        single.successorWord = bit / 64
                        single.successor |= 1 << UInt64(bit % 64)
                    }
                    singles.append(single)
                    cost += 1
                    continue
                }
                let memberOffset = masks.count
                let (low, high) = Self.appendMask(of: bits.map(Int32.init), to: &masks)
                let successorOffset = masks.count
                let (successorLow, successorHigh) = Self.appendMask(of: key.successors, to: &masks)
                groups.append(
                    Group(
                        low: Int32(low), high: Int32(high), memberOffset: Int32(memberOffset), successorLow: Int32(successorLow),
                        successorHigh: Int32(successorHigh), successorOffset: Int32(successorOffset), flags: key.flags))
                cost += 1 + (high - low + 1) + max(0, successorHigh - successorLow + 1)
            }
            groupStarts.append(groups.count)
            singleStarts.append(singles.count)
            contextCosts.append(cost)
        }
        self.words = words
        self.contexts = contexts
        self.chain = chain
        self.grouped = grouped
        self.groupStarts = groupStarts
        self.singleStarts = singleStarts
        tables = Tables(restarts: restarts, groups: groups, masks: masks, restartMatches: restartMatches, singles: singles)
        self.contextCosts = contextCosts
        stepCost = contextCosts.max() ?? 0
    }

    /// Whether a match ends at or after `from`, given the instructions the search is at there (a DFA state's).
    func isMatch(_ input: UTF8Input, from: Int, following pcs: [Int32], atStart: Bool, steps: inout Int) -> Bool {
        var budget = Int.max
        var seen = Seen(count: program.instructions.count)
        let first = Context(wordBefore: input.isWord(before: from), wordAfter: input.isWord(at: from))
        guard
            let initial = Self.closure(of: pcs, program, bitOf: bitOf, atStart: atStart, context: first, seen: &seen, budget: &budget)
        else {
            return false
        }
        if initial.matchesNow { return true }
        // Raw buffers for the whole search: the loop runs once per scalar of up to a MiB of text.
        let threadLanes = UnsafeMutablePointer<UInt64>.allocate(capacity: 2 * words)
        threadLanes.initialize(repeating: 0, count: 2 * words)
        // Per class and context, the bits that accept the class and shift or belong to a group: filled for the classes
        // met, so a step reads four words per 64 threads (threads, shifts, groups, restarts).
        let rows = program.classes.count * contexts
        let linkRows = UnsafeMutablePointer<UInt64>.allocate(capacity: rows * words)
        let groupRows = UnsafeMutablePointer<UInt64>.allocate(capacity: rows * words)
        defer {
            threadLanes.deallocate()
            linkRows.deallocate()
            groupRows.deallocate()
        }
        for bit in initial.bits { threadLanes[Int(bit) / 64] |= 1 << UInt64(bit % 64) }
        var rowKnown = [Bool](repeating: false, count: program.classes.count)
        let classes = program.classes
        let wordClasses = classes.isWord
        let (contexts, words, anchored) = (contexts, words, program.anchoredAtStart)
        let (restarts, groups, masks, restartMatches, singles) = (
            tables.restarts, tables.groups, tables.masks, tables.restartMatches, tables.singles
        )
        var threads = threadLanes
        var stepped = threadLanes + words
        var matchesAtEnd = initial.matchesAtEnd
        var at = from
        while at < input.count {
            let (scalar, length) = input.scalar(at: at)
            let classIndex = classes.classOf(scalar)
            if !rowKnown[classIndex] {
                fillRows(classIndex, links: linkRows, groups: groupRows)
                rowKnown[classIndex] = true
            }
            let context =
                contexts == 1
                ? 0 : Context(wordBefore: wordClasses[classIndex], wordAfter: input.isWord(at: at &+ length)).index
            let row = (classIndex &* contexts &+ context) &* words
            let (linking, grouping, restarting) = (linkRows + row, groupRows + row, restarts + context &* words)
            var matchesNow = restartMatches[context] & 1 != 0
            matchesAtEnd = restartMatches[context] & 2 != 0
            // Shifts: bit i goes to bit i - 1, carrying across words; a new attempt starts everywhere.
            var carried: UInt64 = 0
            var any: UInt64 = 0
            var word = words &- 1
            while word >= 0 {
                let moving = threads[word] & linking[word]
                stepped[word] = moving >> 1 | carried << 63 | restarting[word]
                carried = moving & 1
                any |= moving
                word = word &- 1
            }
            // Groups: each is tested for a live member that accepted the scalar and its successors
            // added when one is, without branches (whether a group fires depends on the text, so
            // branches on it would be mispredicted at every step).
            var fired: UInt8 = 0
            for index in singleStarts[context]..<singleStarts[context &+ 1] {
                let single = singles[index]
                let live = threads[Int(single.memberWord)] & grouping[Int(single.memberWord)] & single.member
                let hit: UInt64 = live == 0 ? 0 : ~0
                stepped[Int(single.successorWord)] |= single.successor & hit
                any |= single.successor & hit
                fired |= single.flags & UInt8(truncatingIfNeeded: hit)
            }
            for index in groupStarts[context]..<groupStarts[context &+ 1] {
                let group = groups[index]
                var member = Int(group.memberOffset)
                var live: UInt64 = 0
                var word = Int(group.low)
                while word <= Int(group.high) {
                    live |= threads[word] & grouping[word] & masks[member]
                    member &+= 1
                    word &+= 1
                }
                let hit: UInt64 = live == 0 ? 0 : ~0
                var successor = Int(group.successorOffset)
                word = Int(group.successorLow)
                while word <= Int(group.successorHigh) {
                    stepped[word] |= masks[successor] & hit
                    successor &+= 1
                    word &+= 1
                }
                let leads: UInt64 = group.successorLow <= group.successorHigh ? ~0 : 0
                any |= hit & leads
                fired |= group.flags & UInt8(truncatingIfNeeded: hit)
            }
            matchesNow = matchesNow || fired & 1 != 0
            matchesAtEnd = matchesAtEnd || fired & 2 != 0
            if matchesNow { return true }
            if any == 0, anchored { return false }
            swap(&threads, &stepped)
            steps &+= contextCosts[context]
            at &+= length
        }
        return matchesAtEnd
    }

    /// The tables a step reads, copied once into raw memory: a search reads them at every scalar of up to a MiB, and
    /// nothing writes them after `init`.
    private final class Tables: @unchecked Sendable {
        let restarts: UnsafeMutablePointer<UInt64>
        let groups: UnsafeMutablePointer<Group>
        let masks: UnsafeMutablePointer<UInt64>
        let restartMatches: UnsafeMutablePointer<UInt8>
        let singles: UnsafeMutablePointer<Single>

        init(restarts: [UInt64], groups: [Group], masks: [UInt64], restartMatches: [UInt8], singles: [Single]) {
            self.restarts = Self.copy(restarts)
            self.groups = Self.copy(groups)
            self.masks = Self.copy(masks)
            self.restartMatches = Self.copy(restartMatches)
            self.singles = Self.copy(singles)
        }

        deinit {
            restarts.deallocate()
            groups.deallocate()
            masks.deallocate()
            restartMatches.deallocate()
            singles.deallocate()
        }

        private static func copy<Element>(_ elements: [Element]) -> UnsafeMutablePointer<Element> {
            let memory = UnsafeMutablePointer<Element>.allocate(capacity: max(1, elements.count))
            _ = UnsafeMutableBufferPointer(start: memory, count: elements.count).initialize(from: elements)
            return memory
        }
    }

    /// Appends the masks of `bits` (sorted) over the words they span, and returns that span; (0, -1) for no bits.
    private static func appendMask(of bits: [Int32], to masks: inout [UInt64]) -> (low: Int, high: Int) {
        guard let first = bits.first, let last = bits.last else { return (0, -1) }
        let (low, high) = (Int(first) / 64, Int(last) / 64)
        let offset = masks.count
        masks += [UInt64](repeating: 0, count: high - low + 1)
        for bit in bits { masks[offset + Int(bit) / 64 - low] |= 1 << UInt64(bit % 64) }
        return (low, high)
    }

    /// Fills the rows of a class, for every context: the bits of the instructions that accept it, masked by the
    /// shifting bits and by the grouped ones.
    private func fillRows(_ classIndex: Int, links: UnsafeMutablePointer<UInt64>, groups: UnsafeMutablePointer<UInt64>) {
        var accepting = [UInt64](repeating: 0, count: words)
        for (bit, pc) in pcOf.enumerated() {
            if case .consume(let set, _) = program.instructions[Int(pc)], program.classes.contains(set: set, class: classIndex) {
                accepting[bit / 64] |= 1 << UInt64(bit % 64)
            }
        }
        for context in 0..<contexts {
            let row = (classIndex * contexts + context) * words
            for word in 0..<words {
                links[row + word] = accepting[word] & chain[context * words + word]
                groups[row + word] = accepting[word] & grouped[context * words + word]
            }
        }
    }

    /// Follows `pcs` through everything but consuming instructions, twice: before the end of the input (collecting
    /// consuming instructions) and at it (for `$`, and where nothing follows for `\b`). nil when the budget runs out.
    private static func closure(
        of pcs: [Int32], _ program: PatternProgram, bitOf: [Int32], atStart: Bool, context: Context, seen: inout Seen, budget: inout Int
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
                        case .wordBoundary: guard context.wordBefore != (context.wordAfter && !atEnd) else { break follow }
                        case .notWordBoundary: guard context.wordBefore == (context.wordAfter && !atEnd) else { break follow }
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
