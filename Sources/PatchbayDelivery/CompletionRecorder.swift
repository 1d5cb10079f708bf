import Logging
import PatchbayStorage
import Synchronization

/// Group commit for attempts. The first caller to find no write under way writes everything that is waiting in
/// one transaction; whatever arrives meanwhile goes in the next one. Under load a transaction carries many attempts;
/// when idle, each attempt is written at once (there is no timer to wait for).
final class CompletionRecorder: Sendable {
    private typealias Waiting = (completion: DeliveryCompletion, continuation: CheckedContinuation<Void, any Error>)

    private struct State {
        var waiting: [Waiting] = []
        var writing = false
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
            let leads = state.withLock { state -> Bool in
                state.waiting.append((completion, continuation))
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
                defer { state.waiting.removeAll(keepingCapacity: true) }
                if state.waiting.isEmpty { state.writing = false }
                return state.waiting
            }
            guard !batch.isEmpty else { return }
            do {
                try await store.deliveries.complete(batch.map(\.completion))
                for waiting in batch { waiting.continuation.resume() }
            } catch {
                // One bad row must not sink the others: write them one by one.
                logger.warning("recording a batch of attempts failed; recording them one by one", metadata: ["pb.error": "\(error)"])
                for waiting in batch {
                    do {
                        try await store.deliveries.complete([waiting.completion])
                        waiting.continuation.resume()
                    } catch {
                        waiting.continuation.resume(throwing: error)
                    }
                }
            }
        }
    }
}
