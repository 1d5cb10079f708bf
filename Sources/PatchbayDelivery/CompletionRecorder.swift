import Logging
import PatchbayStorage
import Synchronization

/// Group commit for attempts. The first caller to find no write under way writes everything that is waiting in
/// one transaction; whatever arrives meanwhile goes in the next one. Under load a transaction carries many attempts;
/// when idle, each attempt is written at once (there is no timer to wait for).
final class CompletionRecorder: Sendable {
    private typealias Waiting = (completion: DeliveryCompletion, done: @Sendable (Result<Void, any Error>) -> Void)

    private struct State {
        var waiting: [Waiting] = []
        var writing = false
        var drainers: [CheckedContinuation<Void, Never>] = []
    }

    private let store: Store
    private let logger: Logger
    private let state = Mutex(State())

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
        let leads = state.withLock { state -> Bool in
            state.waiting.append((completion, done))
            guard !state.writing else { return false }
            state.writing = true
            return true
        }
        if leads { Task { await self.writeWaiting() } }
    }

    /// Waits until everything submitted so far is written (at shutdown).
    func drain() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state -> Bool in
                guard state.writing else { return true }
                state.drainers.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    private func writeWaiting() async {
        while true {
            let (batch, drainers) = state.withLock { state -> ([Waiting], [CheckedContinuation<Void, Never>]) in
                defer { state.waiting.removeAll(keepingCapacity: true) }
                guard state.waiting.isEmpty else { return (state.waiting, []) }
                state.writing = false
                defer { state.drainers.removeAll() }
                return ([], state.drainers)
            }
            guard !batch.isEmpty else {
                for drainer in drainers { drainer.resume() }
                return
            }
            do {
                try await store.deliveries.complete(batch.map(\.completion))
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
}
