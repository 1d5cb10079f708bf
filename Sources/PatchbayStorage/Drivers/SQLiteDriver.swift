import Logging
import ServiceLifecycle
import Synchronization

/// How SQLite syncs commits to disk. `full` (the default) syncs the WAL at every commit, so a commit that answered
/// 2xx survives a power loss; `normal` syncs at checkpoints only, faster but a power loss (not a crash) can lose the
/// last commits. Many commits share one transaction through the group commit, so `full` costs little.
public enum SQLiteSynchronous: String, Sendable, CaseIterable {
    case full
    case normal
}

/// The embedded store: one SQLite file in WAL mode.
///
/// SQLite allows one writer at a time, so writes and transactions go through a single connection behind
/// a FIFO lock; plain reads use a small set of reader connections that WAL lets run beside the writer.
///
/// Each connection has a thread of its own (`SQLiteThread`) and runs on SQLite's C API (`SQLiteHandle`), not
/// through SQLiteNIO's pool: a transaction's body runs on the writer's thread, so its statements follow one
/// another without a thread hop each, and the writer is held for the work rather than for the hops.
public final class SQLiteDriver: DatabaseDriver {
    public let dialect = SQLDialect.sqlite
    public let deliveriesQueued = Doorbell()
    /// One process uses the file (the server locks its data directory), so its leases die with it: they are kept
    /// in memory, and claiming is a read.
    public let deliveryLeases: DeliveryLeases? = DeliveryLeases()
    private let writer: Worker
    private let readers: [Worker]
    /// Copies the WAL back into the database file beside the writer, so commits never wait for a checkpoint.
    private let checkpointer: Worker
    private let writeLock = AsyncLock()
    private let nextReader = Atomic<Int>(0)
    private let logger: Logger

    /// A connection and the thread it is used on.
    private struct Worker: @unchecked Sendable {
        let thread: SQLiteThread
        /// Touched only on `thread`.
        let handle: SQLiteHandle

        static func open(path: String, name: String, pragmas: [String]) async throws -> Worker {
            let thread = SQLiteThread(name: name)
            do {
                let handle = try await thread.run {
                    let handle = try SQLiteHandle(path: path)
                    for pragma in pragmas { _ = try handle.query(pragma, []) }
                    return handle
                }
                return Worker(thread: thread, handle: handle)
            } catch {
                thread.stop()
                throw error
            }
        }

        /// Runs `body` with the handle on its thread, holding `lock` meanwhile when one is given.
        func withHandle<T: Sendable>(locked lock: AsyncLock? = nil, _ body: (SQLiteHandle) async throws -> T) async throws -> T {
            try await withTaskExecutorPreference(thread) {
                // The handle is opened without SQLite's mutex: it must never be used off its thread.
                guard let lock else {
                    assert(thread.mayUseConnection, "a SQLite connection was used off its thread")
                    return try await body(handle)
                }
                // Taken on the thread, so a waiter resumes here, not via the global pool.
                return try await lock.withLock {
                    assert(thread.mayUseConnection, "a SQLite connection was used off its thread")
                    return try await body(handle)
                }
            }
        }

        func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
            try await withHandle { try $0.query(sql, binds) }
        }

        func close() async {
            _ = try? await withHandle { $0.close() }
            thread.stop()
        }
    }

    private init(writer: Worker, readers: [Worker], checkpointer: Worker, logger: Logger) {
        self.writer = writer
        self.readers = readers
        self.checkpointer = checkpointer
        self.logger = logger
    }

    /// Opens (creating if needed) the database file at `path`.
    public static func open(
        path: String, readers readerCount: Int = 2, synchronous: SQLiteSynchronous = .full, logger: Logger
    ) async throws -> SQLiteDriver {
        var opened: [Worker] = []
        do {
            // The writer and the checkpointer have threads of their own: queued behind readers' work (or behind a
            // checkpoint's fsync), commits would wait for no reason. Readers too: a token check (every authenticated
            // request reads) never waits behind a large document parse or a stalled DNS look-up.
            let writer = try await Worker.open(
                path: path, name: "SQLite-writer",
                pragmas: [
                    "PRAGMA journal_mode=WAL", "PRAGMA synchronous=\(synchronous.rawValue.uppercased())", "PRAGMA foreign_keys=ON",
                    "PRAGMA busy_timeout=10000",
                    "PRAGMA case_sensitive_like=ON",
                    // Checkpoints run beside the writer (see `run`); this is only the backstop if they fall behind.
                    "PRAGMA wal_autocheckpoint=20000",
                    // Statement journals (a multi-row statement inside a transaction keeps one) stay in memory: past
                    // 64 KiB SQLite spilled them to a temporary file, created and deleted by every group commit.
                    "PRAGMA temp_store=MEMORY",
                ])
            opened.append(writer)
            var readers: [Worker] = []
            for index in 0..<readerCount {
                let reader = try await Worker.open(
                    path: path, name: "SQLite-reader-\(index)",
                    pragmas: ["PRAGMA busy_timeout=10000", "PRAGMA query_only=ON", "PRAGMA case_sensitive_like=ON"])
                opened.append(reader)
                readers.append(reader)
            }
            let checkpointer = try await Worker.open(path: path, name: "SQLite-ckpt", pragmas: ["PRAGMA busy_timeout=10000"])
            return SQLiteDriver(writer: writer, readers: readers, checkpointer: checkpointer, logger: logger)
        } catch {
            for worker in opened { await worker.close() }
            if let error = error as? StorageError, case .unavailable = error { throw error }
            throw StorageError.unavailable("cannot open \(path): \(error)")
        }
    }

    public func query(_ query: SQLQuery) async throws -> [SQLRow] {
        let (sql, binds) = query.render(for: .sqlite)
        if !readers.isEmpty, Self.isRead(sql) {
            if let pinned = Self.pinnedReader, pinned.driver == ObjectIdentifier(self) {
                return try await readers[pinned.index].query(sql, binds)
            }
            return try await readers[takeReader()].query(sql, binds)
        }
        return try await writer.withHandle(locked: writeLock) { try $0.query(sql, binds) }
    }

    /// How often kept statements were compiled again, over every connection (see `SQLiteHandle.recompilations`).
    func recompilations() async throws -> Int {
        var total = try await writer.withHandle(locked: writeLock) { $0.recompilations }
        for reader in readers { total += try await reader.withHandle { $0.recompilations } }
        return total
    }

    /// How many statements were compiled from their text, over every connection.
    func compilations() async throws -> Int {
        var total = try await writer.withHandle(locked: writeLock) { $0.compilations }
        for reader in readers { total += try await reader.withHandle { $0.compilations } }
        return total
    }

    /// Reads inside `body`, those of its child tasks (`async let`) too, go to one reader, and `body` runs on that
    /// reader's thread: each statement then runs at once instead of waiting for a hop there and one back.
    public func reading<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        guard !readers.isEmpty else { return try await body() }
        let index = takeReader()
        return try await Self.$pinnedReader.withValue((ObjectIdentifier(self), index)) {
            try await withTaskExecutorPreference(readers[index].thread) { try await body() }
        }
    }

    /// The reader that reads in `reading` go to (task-local, so child tasks share it), with the driver it belongs to.
    @TaskLocal private static var pinnedReader: (driver: ObjectIdentifier, index: Int)?

    /// Readers are taken in turn.
    private func takeReader() -> Int {
        abs(nextReader.wrappingAdd(1, ordering: .relaxed).oldValue % readers.count)
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any DatabaseConnection) async throws -> T) async throws -> T {
        let writer = self.writer
        return try await writer.withHandle(locked: writeLock) { handle in
            _ = try handle.query("BEGIN IMMEDIATE", [])
            let connection = Connection(writer: writer)
            do {
                let result = try await body(connection)
                _ = try handle.query("COMMIT", [])
                if connection.queued.load(ordering: .relaxed) { deliveriesQueued.ring() }
                return result
            } catch {
                _ = try? handle.query("ROLLBACK", [])
                throw error
            }
        }
    }

    /// Stays up until graceful shutdown (or cancellation), then closes every connection.
    public func run() async throws {
        // A checkpoint in the writer's commit (SQLite's default, every 1,000 pages) stalls that commit for the copy
        // and its fsync: 100+ ms at the 99th percentile under load. A PASSIVE checkpoint from another connection
        // works beside the writer instead; once it has copied every frame, the next write restarts the WAL.
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.checkpointContinuously() }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        // The writer closes once the transaction under way (if any) has finished.
        _ = try? await writer.withHandle(locked: writeLock) { $0.close() }
        writer.thread.stop()
        for worker in readers + [checkpointer] { await worker.close() }
    }

    private func checkpointContinuously() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(250))
            guard !Task.isCancelled else { return }
            do {
                _ = try await checkpointer.query("PRAGMA wal_checkpoint(PASSIVE)", [])
            } catch {
                logger.debug("background checkpoint failed", metadata: ["pb.error": "\(error)"])
            }
        }
    }

    /// Whether the caller runs on the writer's thread (for tests).
    var onWriterThread: Bool { writer.thread.isCurrent }

    /// Whether the caller runs on any of this driver's threads (for tests: callers must be back on their own).
    /// The reader whose thread this is, if any (for tests).
    var currentReader: Int? { readers.firstIndex { $0.thread.isCurrent } }

    var onAnyOfItsThreads: Bool { ([writer, checkpointer] + readers).contains { $0.thread.isCurrent } }

    private static func isRead(_ sql: String) -> Bool {
        let head = sql.prefix(8).uppercased()
        return head.hasPrefix("SELECT") || head.hasPrefix("WITH")
    }

    /// The writer inside a transaction: the body runs on the writer's thread, so each statement runs at once.
    private final class Connection: DatabaseConnection {
        let writer: Worker
        let queued = Atomic<Bool>(false)
        var dialect: SQLDialect { .sqlite }

        init(writer: Worker) { self.writer = writer }

        func deliveriesQueued() async throws { queued.store(true, ordering: .relaxed) }

        func query(_ query: SQLQuery) async throws -> [SQLRow] {
            let (sql, binds) = query.render(for: .sqlite)
            // Already on the writer's thread unless the body moved elsewhere (a preference is then set again).
            return try await writer.query(sql, binds)
        }
    }
}
