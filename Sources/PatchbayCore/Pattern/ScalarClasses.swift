/// The equivalence classes of a program's sets: scalars that every set of the program either contains or not are
/// interchangeable, so the engines look a scalar's class up once and test sets by class. Classes are what the
/// lazy DFA's transitions are indexed by; there are few (each distinct literal and class adds at most a couple).
struct ScalarClasses: Sendable {
    /// The number of classes; `count` itself is the end-of-input pseudo-class of the DFA.
    let count: Int
    /// The class of each ASCII scalar, read directly by the DFA's inner loop.
    let asciiClasses: [Int32]
    /// Above ASCII: sorted starts of the intervals of one class, and each interval's class.
    private let starts: [UInt32]
    private let classes: [Int32]
    /// Bit `c` of set `s` at `membership[s * wordsPerSet + c / 64]`.
    private let membership: [UInt64]
    private let wordsPerSet: Int
    /// Whether a class holds word characters (`\w`), for `\b` and `\B`; false for the end of input.
    let isWord: [Bool]

    /// `separateWords` keeps `\w` characters apart from the others even when no set needs it, for `\b`.
    init(sets: [ScalarSet], separateWords: Bool) {
        let refining = separateWords ? sets + [.word] : sets
        var cuts: Set<UInt32> = [0, 0x80]
        for set in refining {
            for range in set.ranges {
                cuts.insert(range.lowerBound)
                if range.upperBound < ScalarSet.maximum { cuts.insert(range.upperBound + 1) }
            }
        }
        let intervals = cuts.sorted()
        // Split the classes by one set at a time: a class becomes (inside, outside) that set.
        var intervalClass = [Int32](repeating: 0, count: intervals.count)
        var classCount = 1
        var inside = [Bool](repeating: false, count: intervals.count)
        for set in refining {
            for index in inside.indices { inside[index] = false }
            Self.forEachInterval(of: set, in: intervals) { inside[$0] = true }
            var renumbered = [Int32](repeating: -1, count: classCount * 2)
            var next: Int32 = 0
            for index in intervals.indices {
                let key = Int(intervalClass[index]) * 2 + (inside[index] ? 1 : 0)
                if renumbered[key] < 0 {
                    renumbered[key] = next
                    next += 1
                }
                intervalClass[index] = renumbered[key]
            }
            classCount = Int(next)
        }
        let words = (classCount + 63) / 64
        var bits = [UInt64](repeating: 0, count: sets.count * words)
        for (setIndex, set) in sets.enumerated() {
            Self.forEachInterval(of: set, in: intervals) { interval in
                let classIndex = Int(intervalClass[interval])
                bits[setIndex * words + classIndex / 64] |= 1 << UInt64(classIndex % 64)
            }
        }
        count = classCount
        wordsPerSet = words
        membership = bits
        var asciiTable = [Int32](repeating: 0, count: 128)
        var word = [Bool](repeating: false, count: classCount + 1)
        for (index, start) in intervals.enumerated() {
            let end = index + 1 < intervals.count ? intervals[index + 1] : ScalarSet.maximum + 1
            if start < 0x80 {
                for scalar in start..<min(end, 0x80) { asciiTable[Int(scalar)] = intervalClass[index] }
            }
            if ScalarSet.word.contains(start) { word[Int(intervalClass[index])] = true }
        }
        asciiClasses = asciiTable
        isWord = word
        var mergedStarts: [UInt32] = []
        var mergedClasses: [Int32] = []
        for (index, start) in intervals.enumerated() where start >= 0x80 && mergedClasses.last != intervalClass[index] {
            mergedStarts.append(start)
            mergedClasses.append(intervalClass[index])
        }
        starts = mergedStarts
        classes = mergedClasses
    }

    @inline(__always)
    func classOf(ascii byte: UInt8) -> Int { Int(asciiClasses[Int(byte)]) }

    func classOf(_ scalar: UInt32) -> Int {
        if scalar < 0x80 { return Int(asciiClasses[Int(scalar)]) }
        var low = 0
        var high = starts.count
        while high - low > 1 {
            let middle = (low + high) / 2
            if starts[middle] <= scalar {
                low = middle
            } else {
                high = middle
            }
        }
        return Int(classes[low])
    }

    @inline(__always)
    func contains(set: Int32, class classIndex: Int) -> Bool {
        membership[Int(set) * wordsPerSet + classIndex >> 6] & (1 << UInt64(classIndex & 63)) != 0
    }

    /// Calls `body` with the index of every interval (between consecutive `intervals` starts) inside `set`.
    private static func forEachInterval(of set: ScalarSet, in intervals: [UInt32], _ body: (Int) -> Void) {
        for range in set.ranges {
            var low = 0
            var high = intervals.count
            while low < high {
                let middle = (low + high) / 2
                if intervals[middle] < range.lowerBound {
                    low = middle + 1
                } else {
                    high = middle
                }
            }
            while low < intervals.count, intervals[low] <= range.upperBound {
                body(low)
                low += 1
            }
        }
    }
}
