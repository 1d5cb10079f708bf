/// Tests that burn seconds of CPU (the whole spec corpus, hostile documents) and tests that measure time
/// (retry schedules, a hanging endpoint) each run alone with respect to one another: on two cores, a corpus
/// import beside a retry-timing test starves the timing test. Everything else still runs in parallel.
public actor ExclusiveGate {
    public static let shared = ExclusiveGate()

    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }
}

/// Runs `body` while no other exclusive test runs.
public func exclusively<T>(_ body: () async throws -> T) async throws -> T {
    await ExclusiveGate.shared.acquire()
    do {
        let result = try await body()
        await ExclusiveGate.shared.release()
        return result
    } catch {
        await ExclusiveGate.shared.release()
        throw error
    }
}
