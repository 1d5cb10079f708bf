import PatchbayCore
import Synchronization

/// Principals recently resolved from their tokens, so an authenticated read costs no token query.
///
/// A token's principal changes only when the token row does (revoked, deleted with its organization, user or
/// integration) or when it expires. Expiry is checked on every hit. Every other change bumps the database's
/// authentication epoch (triggers on `access_tokens`, migration 20): this instance empties the cache at once when it
/// makes the change itself, and every instance polls the epoch (`EpochPoller`), so a revocation made elsewhere (another
/// instance, the CLI) takes effect within the poll interval. Entries also die after `lifetime`, in case polling stalls.
public final class PrincipalCache: Sendable {
    struct Entry: Sendable {
        var principal: Principal
        var expiresAt: Int64?
        var lastUsedAt: Int64?
        var cachedAt: ContinuousClock.Instant
    }

    struct State {
        var entries: [String: Entry] = [:]
        /// Bumped whenever the cache is emptied: a lookup that began before it must not store what it read.
        var generation: UInt64 = 0
        var epoch: Int64?
    }

    public static let capacity = 10_000
    let lifetime: Duration
    private let state = Mutex(State())

    public init(lifetime: Duration = .seconds(10)) {
        self.lifetime = lifetime
    }

    var generation: UInt64 { state.withLock { $0.generation } }

    func entry(_ key: String) -> Entry? {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let entry = state.entries[key] else { return nil }
            guard now - entry.cachedAt < lifetime else {
                state.entries[key] = nil
                return nil
            }
            return entry
        }
    }

    /// Stores `entry` unless the cache was emptied since `generation` was read (the row may be stale).
    func store(_ entry: Entry, for key: String, ifGeneration generation: UInt64) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= Self.capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[key] = entry
        }
    }

    func noteUse(_ key: String, at now: Int64) {
        state.withLock { $0.entries[key]?.lastUsedAt = now }
    }

    /// Forgets every principal: a token was revoked or deleted through this instance.
    public func invalidate() {
        state.withLock { state in
            state.entries.removeAll(keepingCapacity: true)
            state.generation &+= 1
        }
    }

    /// Records the database's authentication epoch; a change means some token changed somewhere, so all are forgotten.
    public func observe(epoch: Int64) {
        state.withLock { state in
            guard state.epoch != epoch else { return }
            // The first reading empties the cache too: what was stored before it was checked against no epoch.
            state.entries.removeAll(keepingCapacity: true)
            state.generation &+= 1
            state.epoch = epoch
        }
    }

    public var count: Int { state.withLock { $0.entries.count } }
}
