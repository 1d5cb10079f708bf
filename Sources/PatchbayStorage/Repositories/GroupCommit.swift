import PatchbayCore
import Synchronization

/// Group commit. On SQLite every transaction is several hops through the single writer connection, so a thousand
/// small writes a second saturate it; combined, concurrent writes share one transaction of multi-row statements.
/// Used for publishes without an idempotency key and for accepted inbound requests.
///
/// Leader and followers, in the callers' own tasks: a caller that finds no write under way leads. It writes its
/// own items with everything queued meanwhile, tells each follower its outcome, then hands the lead to the next
/// caller that queued during its write. Idle, each submission is written at once.
final class GroupCommit<Item: Sendable, Outcome: Sendable>: Sendable {
    typealias Write = @Sendable ([Item], any DatabaseConnection) async throws -> [Outcome]

    private enum Turn: Sendable {
        case lead
        case done(Result<[Outcome], any Error>)
    }

    private typealias Waiting = (items: [Item], turn: CheckedContinuation<Turn, Never>)

    private struct State {
        var waiting: [Waiting] = []
        var writing = false
    }

    /// A leader stops taking followers at this many items (a batch publish alone may hold 1,000).
    let maxItemsPerTransaction: Int
    private let driver: any DatabaseDriver
    /// Writes the items in the caller's transaction and returns one outcome per item, in order.
    private let write: Write
    private let state = Mutex(State())

    init(driver: any DatabaseDriver, maxItemsPerTransaction: Int, write: @escaping Write) {
        self.driver = driver
        self.maxItemsPerTransaction = maxItemsPerTransaction
        self.write = write
    }

    /// Returns once the items are committed, with their outcomes.
    func submit(_ items: [Item]) async throws -> [Outcome] {
        let turn = await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
            let leads = state.withLock { state -> Bool in
                guard state.writing else {
                    state.writing = true
                    return true
                }
                state.waiting.append((items, continuation))
                return false
            }
            if leads { continuation.resume(returning: .lead) }
        }
        switch turn {
        case .done(let result): return try result.get()
        case .lead: return try await lead(items)
        }
    }

    private func lead(_ own: [Item]) async throws -> [Outcome] {
        var outcome: Result<[Outcome], any Error> = .success([])
        var mine: [Item]? = own
        // A leader writes a few rounds of what queued meanwhile before it hands over: handing the lead to another
        // task costs a scheduling delay per round, which under load is most of a round's time. The bound keeps
        // any one caller from writing for everybody indefinitely.
        for _ in 0..<Self.roundsPerLeader {
            let followers = state.withLock { state -> [Waiting] in
                var count = mine?.count ?? 0
                let taken = state.waiting.prefix { waiting in
                    defer { count += waiting.items.count }
                    return count + waiting.items.count <= maxItemsPerTransaction || count == 0
                }
                state.waiting.removeFirst(taken.count)
                return Array(taken)
            }
            if mine == nil, followers.isEmpty { break }
            let own = mine ?? []
            do {
                let outcomes = try await transaction(own + followers.flatMap(\.items))
                if mine != nil { outcome = .success(Array(outcomes.prefix(own.count))) }
                var offset = own.count
                for follower in followers {
                    follower.turn.resume(returning: .done(.success(Array(outcomes[offset..<offset + follower.items.count]))))
                    offset += follower.items.count
                }
            } catch {
                // One submission's failure must not fail the others': each goes again in its own transaction.
                if mine != nil { outcome = await Result.of { try await self.transaction(own) } }
                for follower in followers {
                    follower.turn.resume(returning: .done(await Result.of { try await self.transaction(follower.items) }))
                }
            }
            mine = nil
        }
        let next = state.withLock { state -> Waiting? in
            guard !state.waiting.isEmpty else {
                state.writing = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.turn.resume(returning: .lead)
        return try outcome.get()
    }

    static var roundsPerLeader: Int { 4 }

    private func transaction(_ items: [Item]) async throws -> [Outcome] {
        let outcomes = try await driver.transaction { connection in try await write(items, connection) }
        guard outcomes.count == items.count else { throw StorageError.decoding(column: "group commit outcome count") }
        return outcomes
    }
}

/// Publishes without an idempotency key: events and their deliveries.
typealias PublishCombiner = GroupCommit<Event, Void>

extension GroupCommit where Item == Event, Outcome == Void {
    convenience init(driver: any DatabaseDriver) {
        self.init(driver: driver, maxItemsPerTransaction: 2_000) { events, connection in
            try await EventRepository.insertRows(events, on: connection)
            try await DeliveryRepository.fanOut(events, on: connection)
            return Array(repeating: (), count: events.count)
        }
    }

    /// Returns once the events and their deliveries are committed.
    func publish(_ events: [Event]) async throws { _ = try await submit(events) }
}
