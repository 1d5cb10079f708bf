extension LazyDFA {
    /// The states and transitions built so far, reused between searches (see `Pattern`). States live back to back
    /// in one array and are found through an open-addressing table, so adding a state allocates nothing once the
    /// arrays have grown, and emptying the cache keeps their capacity.
    struct Cache: Sendable {
        /// Transitions per state: one per class, then one for the end of the input.
        let stride: Int
        /// `stride` entries per state, indexed by class: the target's row offset (state × stride), or one of
        /// `unknown`, `dead`, `matched`.
        var transitions: [Int32] = []
        /// Each state's key: its NFA instructions, sorted, then its flags; `keyStarts` has one more entry than states.
        private var keys: [Int32] = []
        private var keyStarts: [Int32] = [0]
        private var hashes: [UInt64] = []
        /// State number + 1 per slot, 0 for an empty slot; the count is a power of two, at most half full.
        private var table = [Int32](repeating: 0, count: 64)
        /// Row offsets of the start states by flags, `unknown` until built.
        var starts: [Int32] = [unknown, unknown, unknown, unknown]
        /// How many times the cache filled and was emptied.
        private(set) var clears = 0
        /// Bytes the states and transitions may take before the cache is emptied.
        let memoryLimit: Int

        /// Scratch space of `LazyDFA.transition`, sized once so it never grows: per instruction, the stamp of the
        /// transition that visited it and of the one that queued it for the next state (`marks`); the stack of
        /// instructions to follow, then the next state's key (`work`, split at `keyBase`).
        var marks: [UInt32]
        var stamp: UInt32 = 0
        var work: [Int32]
        let keyBase: Int

        init(_ program: PatternProgram, memoryLimit: Int = LazyDFA.memoryLimit) {
            self.memoryLimit = memoryLimit
            stride = program.classes.count + 1
            marks = [UInt32](repeating: 0, count: 2 * program.instructions.count)
            // Each visit pushes at most one instruction, so the stack never holds more than the program twice over.
            keyBase = 2 * program.instructions.count + 2
            work = [Int32](repeating: 0, count: keyBase + program.instructions.count + 2)
        }

        /// Bytes held, counting the capacity kept after emptying.
        var memory: Int {
            transitions.capacity * 4 + keys.capacity * 4 + hashes.capacity * 12 + table.count * 4 + marks.count * 4 + work.count * 4
        }

        /// Bytes the current states and transitions take, held to `memoryLimit`.
        private var usedMemory: Int { transitions.count * 4 + keys.count * 4 + hashes.count * 12 + table.count * 4 }

        var stateCount: Int { hashes.count }

        /// A fresh stamp for `marks`, so nothing needs clearing between transitions.
        mutating func nextStamp() -> UInt32 {
            stamp &+= 1
            if stamp == 0 {
                for index in marks.indices { marks[index] = 0 }
                stamp = 1
            }
            return stamp
        }

        /// Copies the instructions of the state at `row` to the bottom of `work` (the first on top, to be followed
        /// first) and returns its flags and how many there are.
        mutating func pushInstructions(ofRow row: Int32) -> (flags: Int32, count: Int) {
            let state = Int(row) / stride
            let (start, end) = (Int(keyStarts[state]), Int(keyStarts[state + 1]))
            var count = 0
            var index = end - 2
            while index >= start {
                work[count] = keys[index]
                count += 1
                index -= 1
            }
            return (keys[end - 1], count)
        }

        /// The instructions of the state at `row`, in order, and its flags.
        func instructions(ofRow row: Int32) -> (pcs: [Int32], flags: Int32) {
            let state = Int(row) / stride
            let (start, end) = (Int(keyStarts[state]), Int(keyStarts[state + 1]))
            return (Array(keys[start..<(end - 1)]), keys[end - 1])
        }

        /// The row of the state whose key is `work[keyBase..<keyBase + count]`, added if new. When the cache is full
        /// it is emptied first, and `cleared` tells the caller that the rows it holds are gone.
        mutating func row(forKeyOf count: Int, cleared: inout Bool) -> Int32 {
            let key = keyBase..<(keyBase + count)
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for index in key { hash = (hash ^ UInt64(UInt32(bitPattern: work[index]))) &* 0x100_0000_01B3 }
            hash ^= hash >> 29
            hash = hash &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 32
            var slot = Int(truncatingIfNeeded: hash) & (table.count - 1)
            while table[slot] != 0 {
                let state = Int(table[slot]) - 1
                if hashes[state] == hash, keys[Int(keyStarts[state])..<Int(keyStarts[state + 1])].elementsEqual(work[key]) {
                    return Int32(state * stride)
                }
                slot = (slot + 1) & (table.count - 1)
            }
            if usedMemory + (stride + count) * 4 + 32 > memoryLimit {
                clear()
                cleared = true
            }
            let state = hashes.count
            hashes.append(hash)
            keys.append(contentsOf: work[key])
            keyStarts.append(Int32(keys.count))
            transitions.append(contentsOf: repeatElement(unknown, count: stride))
            if hashes.count * 2 > table.count {
                growTable()
            } else {
                insert(state)
            }
            return Int32(state * stride)
        }

        /// The row of a start state: only the program's first instruction, with `flags`.
        mutating func startRow(_ program: PatternProgram, flags: Int32) -> Int32 {
            if starts[Int(flags)] == unknown {
                work[keyBase] = program.start
                work[keyBase + 1] = flags
                var cleared = false
                let row = row(forKeyOf: 2, cleared: &cleared)
                starts[Int(flags)] = row
            }
            return starts[Int(flags)]
        }

        private mutating func clear() {
            transitions.removeAll(keepingCapacity: true)
            keys.removeAll(keepingCapacity: true)
            keyStarts.removeAll(keepingCapacity: true)
            keyStarts.append(0)
            hashes.removeAll(keepingCapacity: true)
            for slot in table.indices { table[slot] = 0 }
            starts = [unknown, unknown, unknown, unknown]
            clears += 1
        }

        private mutating func growTable() {
            table = [Int32](repeating: 0, count: table.count * 2)
            for state in hashes.indices { insert(state) }
        }

        private mutating func insert(_ state: Int) {
            var slot = Int(truncatingIfNeeded: hashes[state]) & (table.count - 1)
            while table[slot] != 0 { slot = (slot + 1) & (table.count - 1) }
            table[slot] = Int32(state + 1)
        }
    }
}
