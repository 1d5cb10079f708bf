import PatchbayCore
import Synchronization

/// Group commit for publishes without an idempotency key. On SQLite every transaction is several hops through the
/// single writer connection, so a thousand single-event publishes a second saturate it; combined, concurrent
/// publishes share one transaction of multi-row statements. The first caller to find no write under way writes
/// everything waiting; whatever arrives meanwhile goes into the next one. Idle, each publish is written at once.
final class PublishCombiner: Sendable {
    private typealias Waiting = (events: [Event], continuation: CheckedContinuation<Void, any Error>)

    private struct State {
        var waiting: [Waiting] = []
        var writing = false
    }

    /// A combined transaction stops taking publishes at this many events (a batch publish alone may hold 1,000).
    static let maxEventsPerTransaction = 2_000

    private let driver: any DatabaseDriver
    private let state = Mutex(State())

    init(driver: any DatabaseDriver) {
        self.driver = driver
    }

    /// Returns once the events and their deliveries are committed.
    func publish(_ events: [Event]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let leads = state.withLock { state -> Bool in
                state.waiting.append((events, continuation))
                guard !state.writing else { return false }
                state.writing = true
                return true
            }
            if leads { Task { await self.writeWaiting() } }
        }
    }

    private func writeWaiting() async {
        while true {
            let batch = state.withLock { state -> [Waiting] in
                var count = 0
                let taken = state.waiting.prefix { waiting in
                    defer { count += waiting.events.count }
                    return count == 0 || count + waiting.events.count <= Self.maxEventsPerTransaction
                }
                state.waiting.removeFirst(taken.count)
                if taken.isEmpty { state.writing = false }
                return Array(taken)
            }
            guard !batch.isEmpty else { return }
            do {
                try await write(batch.flatMap(\.events))
                for waiting in batch { waiting.continuation.resume() }
            } catch {
                // One publish's failure must not fail the others': each goes again in its own transaction.
                for waiting in batch {
                    do {
                        try await write(waiting.events)
                        waiting.continuation.resume()
                    } catch {
                        waiting.continuation.resume(throwing: error)
                    }
                }
            }
        }
    }

    private func write(_ events: [Event]) async throws {
        try await driver.transaction { connection in
            try await EventRepository.insertRows(events, on: connection)
            try await DeliveryRepository.fanOut(events, on: connection)
        }
    }
}
