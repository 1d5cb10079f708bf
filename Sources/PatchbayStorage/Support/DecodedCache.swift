import Synchronization

/// Decoded JSON columns, kept by row id and checked against the stored text on every read: a row that changed
/// (on this instance or another) no longer matches and is decoded afresh, so nothing needs invalidating. Comparing
/// the text is a memory compare; decoding it with `JSONDecoder` was most of an action run's database time (an API's
/// definitions run to megabytes, and were decoded on every run).
final class DecodedCache<Value: Sendable>: Sendable {
    private struct Entries {
        var values: [String: (text: String, value: Value)] = [:]
        var textBytes = 0
    }

    private let entries = Mutex(Entries())
    private let capacity: Int
    /// The stored text kept at most, summed: decoded trees are several times their text, so this bounds the memory.
    private let maxTextBytes: Int

    init(capacity: Int, maxTextBytes: Int) {
        self.capacity = capacity
        self.maxTextBytes = maxTextBytes
    }

    /// The value decoded from `text`, stored as row `key`: the kept one when the text is the same.
    func value(for key: String, text: String, decode: (String) throws -> Value) rethrows -> Value {
        if let kept = entries.withLock({ $0.values[key] }), kept.text.utf8.elementsEqual(text.utf8) { return kept.value }
        let value = try decode(text)
        let size = text.utf8.count
        guard size <= maxTextBytes / 4 else { return value }
        entries.withLock { entries in
            if let replaced = entries.values.removeValue(forKey: key) { entries.textBytes -= replaced.text.utf8.count }
            if entries.values.count >= capacity || entries.textBytes + size > maxTextBytes { entries = Entries() }
            entries.values[key] = (text, value)
            entries.textBytes += size
        }
        return value
    }
}
