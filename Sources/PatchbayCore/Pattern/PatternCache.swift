import Synchronization

/// Compiled patterns by source, so that a pattern met again (a schema validated for every event) is compiled
/// once. Failures are kept too, so a bad pattern is not parsed again on every use. Bounded: past `capacity` the
/// least recently used entry goes. Safe to use from any thread.
public enum PatternCache {
    public static let capacity = 512

    /// The compiled pattern for `source`, or the error compiling it gave.
    public static func pattern(_ source: String) throws(PatternError) -> Pattern {
        if let cached = storage.withLock({ $0.lookup(source) }) { return try cached.get() }
        // Compiled outside the lock, so a slow compile holds up no one; two threads may both compile a new source.
        let result = Result { () throws(PatternError) -> Pattern in try Pattern(source) }
        storage.withLock { $0.insert(source, result) }
        return try result.get()
    }

    private static let storage = Mutex(Storage())

    /// How many sources are cached (for tests).
    static var count: Int { storage.withLock { $0.entries.count } }

    static func contains(_ source: String) -> Bool { storage.withLock { $0.entries[source] != nil } }

    private struct Storage: Sendable {
        var entries: [String: (result: Result<Pattern, PatternError>, used: UInt64)] = [:]
        var clock: UInt64 = 0

        mutating func lookup(_ source: String) -> Result<Pattern, PatternError>? {
            guard let entry = entries[source] else { return nil }
            clock += 1
            entries[source] = (entry.result, clock)
            return entry.result
        }

        mutating func insert(_ source: String, _ result: Result<Pattern, PatternError>) {
            clock += 1
            if entries[source] == nil, entries.count >= PatternCache.capacity,
                let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key
            {
                entries[oldest] = nil
            }
            entries[source] = (result, clock)
        }
    }
}
