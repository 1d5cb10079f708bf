/// Leftmost-first search with captures, in time linear in the text: a Pike VM (as in RE2 and Rust's regex) runs
/// every thread of the NFA in lock step over the text, one position at a time, in priority order. A thread that
/// reaches a state already reached at this position by a higher-priority thread is dropped: it could only repeat
/// what that thread does, later. So each position costs a bounded number of visits per instruction.
///
/// Priority order is backtracking order, which makes the result JavaScript's: the first alternative, the greedy or
/// lazy choice, the last iteration of a group. Each thread's slots are copied into its row of the thread list only
/// when it stops at a consuming instruction; on the way there one scratch array is changed and restored, so
/// following splits allocates nothing.
///
/// ECMAScript rejects an optional iteration that matched the empty string. So whether a thread is inside
/// iterations that began at this very position changes what it can do next (their `progress` checks will fail),
/// and a state is an instruction together with that count, its `depth`: the iterations begun here nest, so the
/// count says which. Patterns without repeated bodies that can match empty always have depth 0.
enum PikeVM {
    /// Deepest nesting of repetitions whose bodies can match empty; one bit of a visited mask per depth.
    static let maximumDepth = 63

    /// Work space for one search at a time, kept between searches (see `Pattern`).
    struct Cache: Sendable {
        fileprivate var current: ThreadList
        fileprivate var next: ThreadList
        fileprivate var stack: [Frame] = []
        fileprivate var scratch: [Int]

        init(_ program: PatternProgram) {
            current = ThreadList(program)
            next = ThreadList(program)
            scratch = [Int](repeating: -1, count: program.slotCount)
        }

        /// Bytes held, to decide whether the cache is worth keeping.
        var memory: Int { current.memory + next.memory + scratch.count * 8 + stack.capacity * 24 }
    }

    fileprivate enum Frame: Sendable {
        case explore(pc: Int32, depth: Int)
        case restore(slot: Int32, value: Int)
    }

    /// The threads at one position: instructions in priority order, each with a row of slots, and the states
    /// visited at this position (per instruction, a stamp and a mask of depths).
    fileprivate struct ThreadList: Sendable {
        var pcs: [Int32] = []
        var slots: [Int] = []
        var seen: [UInt32]
        var depths: [UInt64]
        var stamp: UInt32 = 1

        init(_ program: PatternProgram) {
            seen = [UInt32](repeating: 0, count: program.instructions.count)
            depths = [UInt64](repeating: 0, count: program.instructions.count)
        }

        var memory: Int { pcs.capacity * 4 + slots.capacity * 8 + seen.count * 12 }

        mutating func clear() {
            pcs.removeAll(keepingCapacity: true)
            slots.removeAll(keepingCapacity: true)
            stamp &+= 1
            if stamp == 0 {
                for index in seen.indices { seen[index] = 0 }
                stamp = 1
            }
        }

        /// Marks the state seen at this position; false when it already was.
        @inline(__always)
        mutating func visit(_ pc: Int32, depth: Int) -> Bool {
            let bit: UInt64 = 1 << UInt64(depth)
            if seen[Int(pc)] != stamp {
                seen[Int(pc)] = stamp
                depths[Int(pc)] = bit
                return true
            }
            if depths[Int(pc)] & bit != 0 { return false }
            depths[Int(pc)] |= bit
            return true
        }
    }

    /// The slots of the leftmost-first match starting at or after byte offset `from`, or nil.
    /// `steps` counts instruction visits, which the tests bound to show the search is linear.
    static func search(
        _ program: PatternProgram, _ input: UTF8Input, from: Int, cache: inout Cache, steps: inout Int
    ) -> [Int]? {
        let slotCount = program.slotCount
        let endClass = program.classes.count
        var best: [Int]?
        cache.current.clear()
        var at = from
        while true {
            if best == nil, at == from || !program.anchoredAtStart {
                if cache.current.pcs.isEmpty, let first = program.firstClasses {
                    // No thread is alive: skip ahead to a scalar that can start a match.
                    while at < input.count {
                        let (scalar, length) = input.scalar(at: at)
                        if first[program.classes.classOf(scalar)] { break }
                        at += length
                        steps += 1
                    }
                    if at == input.count { break }
                    // The instructions visited at the position skipped from say nothing about this one.
                    cache.current.clear()
                }
                for slot in 0..<slotCount { cache.scratch[slot] = -1 }
                addThread(
                    program, input, pc: program.start, at: at, to: &cache.current, stack: &cache.stack, scratch: &cache.scratch,
                    steps: &steps)
            }
            // No thread left and none to come: the match found (if any) is final.
            if cache.current.pcs.isEmpty, best != nil || program.anchoredAtStart { break }
            var classIndex = endClass
            var length = 0
            if at < input.count {
                let scalar: UInt32
                (scalar, length) = input.scalar(at: at)
                classIndex = program.classes.classOf(scalar)
            }
            cache.next.clear()
            threads: for index in cache.current.pcs.indices {
                steps += 1
                let row = index * slotCount
                switch program.instructions[Int(cache.current.pcs[index])] {
                case .match:
                    best = Array(cache.current.slots[row..<(row + slotCount)])
                    // A match cuts off the threads of lower priority.
                    break threads
                case .consume(let set, let next):
                    guard classIndex != endClass, program.classes.contains(set: set, class: classIndex) else { continue }
                    for slot in 0..<slotCount { cache.scratch[slot] = cache.current.slots[row + slot] }
                    addThread(
                        program, input, pc: next, at: at + length, to: &cache.next, stack: &cache.stack, scratch: &cache.scratch,
                        steps: &steps)
                default:
                    continue
                }
            }
            swap(&cache.current, &cache.next)
            if at >= input.count { break }
            at += length
        }
        return best
    }

    /// Follows `pc` through splits, saves and assertions at position `at`, depth first in priority order, and
    /// adds the consuming instructions and the match it reaches to `list`, with the slots as they are there.
    private static func addThread(
        _ program: PatternProgram, _ input: UTF8Input, pc start: Int32, at: Int, to list: inout ThreadList, stack: inout [Frame],
        scratch: inout [Int], steps: inout Int
    ) {
        stack.append(.explore(pc: start, depth: 0))
        while let frame = stack.popLast() {
            var pc: Int32
            var depth: Int
            switch frame {
            case .restore(let slot, let value):
                scratch[Int(slot)] = value
                continue
            case .explore(let target, let targetDepth):
                (pc, depth) = (target, targetDepth)
            }
            follow: while list.visit(pc, depth: depth) {
                steps += 1
                switch program.instructions[Int(pc)] {
                case .consume, .match:
                    list.pcs.append(pc)
                    list.slots.append(contentsOf: scratch)
                    break follow
                case .split(let preferred, let other):
                    stack.append(.explore(pc: other, depth: depth))
                    pc = preferred
                case .save(let slot, let next):
                    stack.append(.restore(slot: slot, value: scratch[Int(slot)]))
                    scratch[Int(slot)] = at
                    // Saving an iteration's start (a slot past the groups') begins an iteration here.
                    if slot >= 2 * (program.captureCount + 1) { depth += 1 }
                    pc = next
                case .clear(let from, let to, let next):
                    for slot in from..<to where scratch[Int(slot)] != -1 {
                        stack.append(.restore(slot: slot, value: scratch[Int(slot)]))
                        scratch[Int(slot)] = -1
                    }
                    pc = next
                case .assert(let assertion, let next):
                    guard input.holds(assertion, at: at) else { break follow }
                    pc = next
                case .progress(let slot, let next):
                    // An optional iteration that consumed nothing fails (ECMAScript's RepeatMatcher).
                    guard scratch[Int(slot)] != at else { break follow }
                    pc = next
                }
            }
        }
    }
}
