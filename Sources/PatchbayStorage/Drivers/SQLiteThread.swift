import Foundation

/// A thread of one SQLite connection's own, and a task executor: code run under its preference (`run`) executes
/// on this thread, so a transaction's statements follow one another here with no hop between threads per statement.
/// Through SQLiteNIO every statement went to a pool thread, back through an event loop, and on to the global
/// executor: three wake-ups, each a wait on a busy machine, all while the single writer was held.
final class SQLiteThread: TaskExecutor, @unchecked Sendable {
    // Guarded by `condition`.
    private var jobs: [UnownedJob] = []
    private var stopping = false
    private var exited = false
    private var owner: pthread_t?
    private let condition = NSCondition()

    init(name: String) {
        let thread = Thread { [self] in
            // Set from the thread itself, Foundation passes it on to the kernel (what perf and top show).
            Thread.current.name = name
            loop()
        }
        // SQLite's parser and planner recurse; a pool thread's default stack, not a small one.
        thread.stackSize = 8 << 20
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        guard !exited else {
            condition.unlock()
            // A task that still prefers this thread after it stopped (its connection is closed) runs elsewhere:
            // whatever it asks of the connection fails with "closed", but it never hangs.
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
            return
        }
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Runs `body` on this thread and returns its result to the caller.
    func run<T>(_ body: () throws -> T) async throws -> T {
        try await withTaskExecutorPreference(self) { try body() }
    }

    /// Lets the thread finish what is queued and exit; jobs queued later run on the global executor.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    /// Whether the caller runs on this thread (a thread's name is no test: Foundation's `Thread.current` is unreliable
    /// inside Swift tasks).
    var isCurrent: Bool {
        condition.lock()
        defer { condition.unlock() }
        return runsHere
    }

    /// Whether the caller may use this thread's connection: it runs on the thread, or the thread has exited
    /// (its connection is closed by then, and whatever is asked of it fails as unavailable).
    var mayUseConnection: Bool {
        condition.lock()
        defer { condition.unlock() }
        return exited || runsHere
    }

    /// Read under `condition`.
    private var runsHere: Bool { owner.map { pthread_equal($0, pthread_self()) != 0 } ?? false }

    private func loop() {
        condition.lock()
        owner = pthread_self()
        condition.unlock()
        var batch: [UnownedJob] = []
        while true {
            condition.lock()
            while jobs.isEmpty, !stopping { condition.wait() }
            if jobs.isEmpty {
                exited = true
                condition.unlock()
                return
            }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
