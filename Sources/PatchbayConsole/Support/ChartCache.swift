import Synchronization

/// The charts' counts for a few seconds: they are drawn by the minute, and a page reloaded (or a list paged) does
/// not need the database to count the same hour again. Bounded; entries expire by age.
final class ChartCache: Sendable {
    static let lifetimeMillis: Int64 = 5_000
    static let capacity = 1_000
    private let entries = Mutex<[String: (at: Int64, value: ChartData)]>([:])

    func value(for key: String, now: Int64, compute: () async throws -> ChartData) async rethrows -> ChartData {
        if let hit = entries.withLock({ $0[key] }), now - hit.at < Self.lifetimeMillis, now >= hit.at { return hit.value }
        let value = try await compute()
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries = entries.filter { now - $0.value.at < Self.lifetimeMillis } }
            if entries.count < Self.capacity { entries[key] = (now, value) }
        }
        return value
    }
}
