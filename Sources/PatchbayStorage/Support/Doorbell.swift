import Synchronization

/// Wakes the delivery loop early instead of letting it sleep out its poll interval: new deliveries were queued
/// (in this process, or in another one sharing PostgreSQL), or a finished delivery freed a slot. `wait` returns on
/// the first ring or after the timeout, whichever comes first; a ring with nobody waiting is kept for the next wait.
public final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var expired: Set<Int> = []
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func ring() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.waiters.isEmpty else {
                state.rung = true
                return []
            }
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// How many waits are registered (for tests that must ring only once everyone waits).
    var waiting: Int { state.withLock { $0.waiters.count } }

    public func wait(upTo timeout: Duration) async {
        // Rung already: no timer task to make and cancel (a busy worker finds the bell rung at most waits).
        let rung = state.withLock { state -> Bool in
            defer { state.rung = false }
            return state.rung
        }
        if rung { return }
        await withTaskGroup(of: Void.self) { group in
            let ticket = state.withLock { state -> Int in
                state.nextWaiter += 1
                return state.nextWaiter
            }
            group.addTask {
                // Wakes the waiter when the timeout elapses or the waiting task is cancelled. After a ring this sleep
                // is cancelled too; waking a ticket that is no longer waiting only marks it expired, cleared below.
                try? await Task.sleep(for: timeout)
                self.wake(ticket)
            }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.expired.remove(ticket) != nil { return true }
                    if state.rung {
                        state.rung = false
                        return true
                    }
                    state.waiters[ticket] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
            group.cancelAll()
            await group.waitForAll()
            state.withLock { _ = $0.expired.remove(ticket) }
        }
    }

    private func wake(_ ticket: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            // The timer can fire before the waiter is registered; remember that it expired.
            guard let waiter = state.waiters.removeValue(forKey: ticket) else {
                state.expired.insert(ticket)
                return nil
            }
            return waiter
        }
        waiter?.resume()
    }
}
