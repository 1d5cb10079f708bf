import Synchronization

/// What a `Pattern` shares between its copies and across threads: the compiled program and a few warm caches for
/// the two engines, handed to one search at a time. A search takes a cache (or makes one) and gives it back, so a
/// pattern run again and again on short values finds its DFA states already built.
final class PatternEngine: Sendable {
    /// Caches kept per pattern and engine; more concurrent searches make their own and drop them after.
    static let keptCaches = 2
    /// A cache grown past this (a big DFA from a hostile text) is dropped rather than kept.
    static let keptCacheMemory = 64 << 10

    let program: PatternProgram
    /// The DFA's fallback, built once: its cost per step was checked when the pattern was compiled.
    let stepper: BitParallelNFA
    let groupNames: [String: Int]
    private let dfaCaches = Mutex<[LazyDFA.Cache]>([])
    private let vmCaches = Mutex<[PikeVM.Cache]>([])

    init(program: PatternProgram, stepper: BitParallelNFA, groupNames: [String: Int]) {
        self.program = program
        self.stepper = stepper
        self.groupNames = groupNames
    }

    func withDFA<Result>(_ body: (inout LazyDFA.Cache) -> Result) -> Result {
        var cache = dfaCaches.withLock { $0.popLast() } ?? LazyDFA.Cache(program)
        let result = body(&cache)
        if cache.memory <= Self.keptCacheMemory {
            dfaCaches.withLock { caches in
                if caches.count < Self.keptCaches { caches.append(cache) }
            }
        }
        return result
    }

    func withVM<Result>(_ body: (inout PikeVM.Cache) -> Result) -> Result {
        var cache = vmCaches.withLock { $0.popLast() } ?? PikeVM.Cache(program)
        let result = body(&cache)
        if cache.memory <= Self.keptCacheMemory {
            vmCaches.withLock { caches in
                if caches.count < Self.keptCaches { caches.append(cache) }
            }
        }
        return result
    }
}
