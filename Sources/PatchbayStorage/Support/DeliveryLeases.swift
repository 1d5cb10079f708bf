import Synchronization

/// The delivery leases of a database only this process uses (SQLite: the data directory is locked to one server),
/// kept in memory instead of in the deliveries' rows.
///
/// Writing a lease into the row cost a commit per claim and rewrote the row and both claim indexes, only for a
/// crash to find it; but when a single process crashes its leases die with it, which is what an empty table here
/// says. Claims become reads: they leave out the ids leased here, and `take` keeps the first claimer of each id.
///
/// A claim reads from a snapshot, which may be older than the last recorded attempt: a delivery recorded (or
/// deleted) after the claim's read began can still look due in it. So ids whose lease ends while reads are under
/// way are remembered with the sequence number of their end, and a read that began before that end cannot take
/// them.
public final class DeliveryLeases: Sendable {
    struct Lease {
        var owner: String
        var expiresAt: Int64
    }

    /// A claim's read under way: ids that end after it began are refused to it.
    public struct Read: Sendable {
        let sequence: UInt64
        /// The ids leased when the read began (unexpired), for the read to leave out.
        public let leased: [String]
    }

    struct State {
        var leases: [String: Lease] = [:]
        var sequence: UInt64 = 0
        /// Reads under way, by the sequence number they began at (several may share one).
        var reads: [UInt64: Int] = [:]
        /// Ids whose lease ended while a read was under way, with the sequence number of the end.
        var ended: [String: UInt64] = [:]
    }

    let state = Mutex(State())

    public init() {}

    /// Begins a claim's read at `now`: the ids to leave out. Every `beginRead` is followed by one `take` or `endRead`.
    public func beginRead(now: Int64) -> Read {
        state.withLock { state in
            state.sequence += 1
            state.reads[state.sequence, default: 0] += 1
            // An expired lease is forgotten: its delivery is due again, as an expired lease in a row would make it.
            for id in state.leases.compactMap({ $0.value.expiresAt > now ? nil : $0.key }) { state.leases[id] = nil }
            return Read(sequence: state.sequence, leased: Array(state.leases.keys))
        }
    }

    /// Leases to `owner` until `until` those of `ids` no one holds at `now` and that did not end since `read` began;
    /// ends the read. Returns the ids taken, in the order given.
    public func take(_ ids: [String], owner: String, now: Int64, until: Int64, read: Read) -> [String] {
        state.withLock { state in
            defer { Self.finish(read, in: &state) }
            var taken: [String] = []
            for id in ids {
                if let lease = state.leases[id], lease.expiresAt > now { continue }
                if let end = state.ended[id], end > read.sequence { continue }
                state.leases[id] = Lease(owner: owner, expiresAt: until)
                taken.append(id)
            }
            return taken
        }
    }

    /// Ends a read that takes nothing (its query failed, or found nothing).
    public func endRead(_ read: Read) {
        state.withLock { Self.finish(read, in: &$0) }
    }

    /// Those of `ids` that `owner` holds: unexpired at `now`, or expired too when `now` is nil (no one else has
    /// taken them yet).
    public func held(_ ids: [String], by owner: String, now: Int64?) -> [String] {
        state.withLock { state in
            ids.filter { id in state.leases[id].map { $0.owner == owner && $0.expiresAt > now ?? .min } ?? false }
        }
    }

    /// Those of `ids` that anyone holds, unexpired, at `now`.
    public func leased(_ ids: [String], now: Int64) -> Set<String> {
        state.withLock { state in
            Set(ids.filter { id in state.leases[id].map { $0.expiresAt > now } ?? false })
        }
    }

    /// Ends the leases of `ids` whatever their owner, once what ends them is committed (an attempt recorded, a row
    /// deleted): reads already under way cannot take them.
    public func end(_ ids: some Sequence<String>) {
        state.withLock { state in
            let reading = !state.reads.isEmpty
            if reading { state.sequence += 1 }
            for id in ids {
                state.leases[id] = nil
                if reading { state.ended[id] = state.sequence }
            }
        }
    }

    /// Ends `owner`'s leases of `ids` and returns the ids it held. For leases given back with the delivery still due,
    /// where a read under way taking it again is what should happen.
    public func release(_ ids: some Sequence<String>, owner: String) -> [String] {
        state.withLock { state in
            var released: [String] = []
            for id in ids where state.leases[id]?.owner == owner {
                state.leases[id] = nil
                released.append(id)
            }
            return released
        }
    }

    /// Ends every lease; returns how many were unexpired at `now`.
    public func releaseAll(now: Int64) -> Int {
        state.withLock { state in
            let unexpired = state.leases.values.count { $0.expiresAt > now }
            state.leases.removeAll()
            return unexpired
        }
    }

    /// How many leases are held (expired ones too, until a read forgets them), for tests.
    var count: Int { state.withLock { $0.leases.count } }

    private static func finish(_ read: Read, in state: inout State) {
        if let readers = state.reads[read.sequence], readers > 1 {
            state.reads[read.sequence] = readers - 1
        } else {
            state.reads[read.sequence] = nil
        }
        // An end matters only to reads that began before it.
        if let oldest = state.reads.keys.min() {
            state.ended = state.ended.filter { $0.value > oldest }
        } else {
            state.ended.removeAll(keepingCapacity: true)
        }
    }
}
