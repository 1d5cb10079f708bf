import Logging
import PatchbayStorage
import Synchronization

/// Group commit for attempts. Completions queue up while a write is under way and all go into the next one, so
/// under load a transaction carries many attempts; when idle, each attempt is written at once. `run` is the writing
/// loop, a child task of the delivery worker; `stop` lets it finish what is queued and return.
final class CompletionRecorder: Sendable {
    private typealias Waiting = (completion: DeliveryCompletion, done: @Sendable (Result<Void, any Error>) -> Void)

    private struct State {
        var waiting: [Waiting] = []
        var stopping = false
        /// `run` has returned: nothing queued now would ever be written.
        var exited = false
    }

    private let store: Store
    private let logger: Logger
    private let state = Mutex(State())
    private let queued = Doorbell()

    init(store: Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Returns once the completion is committed.
    func record(_ completion: DeliveryCompletion) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            submit(completion) { continuation.resume(with: $0) }
        }
    }

    /// Queues the completion and returns at once; `done` runs when it is committed (or could not be).
    func submit(_ completion: DeliveryCompletion, done: @escaping @Sendable (Result<Void, any Error>) -> Void) {
        let accepted = state.withLock { state in
            guard !state.exited else { return false }
            state.waiting.append((completion, done))
            return true
        }
        // A cancelled worker's recorder may be gone while a lane still finishes a send: the lane hears so at once
        // (its delivery stays leased and is sent again) instead of waiting forever for a write that never comes.
        guard accepted else { return done(.failure(CancellationError())) }
        queued.ring()
    }

    /// Writes what is queued, batch after batch, until `stop` is called and the queue is empty (or the task is
    /// cancelled: what is left then is abandoned to its leases and sent again later).
    func run() async {
        while true {
            let cancelled = Task.isCancelled
            let (batch, exiting) = state.withLock { state -> ([Waiting], Bool) in
                // Decided under the lock, so nothing can be queued between the last look and the exit.
                if state.waiting.isEmpty, state.stopping || cancelled { state.exited = true }
                defer { state.waiting.removeAll(keepingCapacity: true) }
                return (state.waiting, state.exited)
            }
            guard !batch.isEmpty else {
                if exiting { return }
                await queued.wait(upTo: .seconds(1))
                continue
            }
            await write(batch)
        }
    }

    func stop() {
        state.withLock { $0.stopping = true }
        queued.ring()
    }

    private func write(_ batch: [Waiting]) async {
        do {
            let gone = try await store.deliveries.complete(batch.map(\.completion))
            for id in gone.sorted() {
                logger.info(
                    "a delivery's webhook was deleted while it was being sent; its attempt is not recorded", metadata: ["pb.delivery.id": "\(id)"])
            }
            for waiting in batch { waiting.done(.success(())) }
        } catch {
            // One bad row must not sink the others: write them one by one.
            logger.warning("recording a batch of attempts failed; recording them one by one", metadata: ["pb.error": "\(error)"])
            for waiting in batch {
                do {
                    try await store.deliveries.complete([waiting.completion])
                    waiting.done(.success(()))
                } catch {
                    waiting.done(.failure(error))
                }
            }
        }
    }
}
