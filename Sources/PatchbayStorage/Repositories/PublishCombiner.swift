import PatchbayCore
import Synchronization

/// Group commit for publishes without an idempotency key. On SQLite every transaction is several hops through the
/// single writer connection, so a thousand single-event publishes a second saturate it; combined, concurrent
/// publishes share one transaction of multi-row statements.
///
/// Leader and followers, in the callers' own tasks: a caller that finds no write under way leads. It writes its
/// own events with everything queued meanwhile, tells each follower the outcome, then hands the lead to the next
/// caller that queued during its write. Idle, each publish is written at once.
final class PublishCombiner: Sendable {
    private enum Turn: Sendable {
        case lead
        case done(Result<Void, any Error>)
    }

    private typealias Waiting = (events: [Event], turn: CheckedContinuation<Turn, Never>)

    private struct State {
        var waiting: [Waiting] = []
        var writing = false
    }

    /// A leader stops taking followers at this many events (a batch publish alone may hold 1,000).
    static let maxEventsPerTransaction = 2_000

    private let driver: any DatabaseDriver
    private let state = Mutex(State())

    init(driver: any DatabaseDriver) {
        self.driver = driver
    }

    /// Returns once the events and their deliveries are committed.
    func publish(_ events: [Event]) async throws {
        let turn = await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
            let leads = state.withLock { state -> Bool in
                guard state.writing else {
                    state.writing = true
                    return true
                }
                state.waiting.append((events, continuation))
                return false
            }
            if leads { continuation.resume(returning: .lead) }
        }
        switch turn {
        case .done(let result):
            try result.get()
        case .lead:
            try await lead(events)
        }
    }

    private func lead(_ own: [Event]) async throws {
        var outcome: Result<Void, any Error> = .success(())
        var mine: [Event]? = own
        // A leader writes a few rounds of what queued meanwhile before it hands over: handing the lead to another
        // task costs a scheduling delay per round, which under load is most of a round's time. The bound keeps
        // any one caller from writing for everybody indefinitely.
        for _ in 0..<Self.roundsPerLeader {
            let followers = state.withLock { state -> [Waiting] in
                var count = mine?.count ?? 0
                let taken = state.waiting.prefix { waiting in
                    defer { count += waiting.events.count }
                    return count + waiting.events.count <= Self.maxEventsPerTransaction || count == 0
                }
                state.waiting.removeFirst(taken.count)
                return Array(taken)
            }
            if mine == nil, followers.isEmpty { break }
            let own = mine ?? []
            do {
                try await write(own + followers.flatMap(\.events))
                for follower in followers { follower.turn.resume(returning: .done(.success(()))) }
            } catch {
                // One publish's failure must not fail the others': each goes again in its own transaction.
                if mine != nil { outcome = await Self.result { try await self.write(own) } }
                for follower in followers {
                    follower.turn.resume(returning: .done(await Self.result { try await self.write(follower.events) }))
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
        try outcome.get()
    }

    static let roundsPerLeader = 4

    private static func result(_ body: () async throws -> Void) async -> Result<Void, any Error> {
        do {
            try await body()
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    private func write(_ events: [Event]) async throws {
        try await driver.transaction { connection in
            try await EventRepository.insertRows(events, on: connection)
            try await DeliveryRepository.fanOut(events, on: connection)
        }
    }
}
