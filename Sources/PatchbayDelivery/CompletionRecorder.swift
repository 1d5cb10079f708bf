import Logging
import PatchbayStorage
import Synchronization

/// Group commit for attempts. Completions queue up while a write is under way and all go into the next one, so
/// under load a transaction carries many attempts; when idle, each attempt is written at once. `run` is the writing
/// loop, a child task of the delivery worker; `stop` lets it finish what is queued and return.
final class CompletionRecorder: Sendable {
    private typealias Done = @Sendable (Result<Void, any Error>) -> Void

    private struct State {
        /// Apart from their callbacks: the batch goes to the store as it is, with no completion copied.
        var waiting: [DeliveryCompletion] = []
        var dones: [Done] = []
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
            state.waiting.append(completion)
            state.dones.append(done)
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
            let (batch, dones, exiting) = state.withLock { state -> ([DeliveryCompletion], [Done], Bool) in
                // Decided under the lock, so nothing can be queued between the last look and the exit.
                if state.waiting.isEmpty, state.stopping || cancelled { state.exited = true }
                let batch = state.waiting
                let dones = state.dones
                // Fresh arrays rather than emptied ones: the batch keeps the storage, nothing is copied.
                state.waiting = []
                state.dones = []
                return (batch, dones, state.exited)
            }
            guard !batch.isEmpty else {
                if exiting { return }
                await queued.wait(upTo: .seconds(1))
                continue
            }
            await write(batch, dones)
        }
    }

    func stop() {
        state.withLock { $0.stopping = true }
        queued.ring()
    }

    private func write(_ batch: [DeliveryCompletion], _ dones: [Done]) async {
        do {
            let gone = try await store.deliveries.complete(batch)
            for id in gone.sorted() {
                logger.info(
                    "a delivery's webhook was deleted while it was being sent; its attempt is not recorded", metadata: ["pb.delivery.id": "\(id)"])
            }
            for done in dones { done(.success(())) }
        } catch {
            // One bad row must not sink the others: write them one by one.
            logger.warning("recording a batch of attempts failed; recording them one by one", metadata: ["pb.error": "\(error)"])
            for (completion, done) in zip(batch, dones) {
                do {
                    try await store.deliveries.complete([completion])
                    done(.success(()))
                } catch {
                    done(.failure(error))
                }
            }
        }
    }
}
