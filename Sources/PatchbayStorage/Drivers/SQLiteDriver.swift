import Logging
import NIOCore
import NIOPosix
import SQLiteNIO
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
public final class SQLiteDriver: DatabaseDriver {
    public let dialect = SQLDialect.sqlite
    public let deliveriesQueued = Doorbell()
    private let writer: SQLiteConnection
    private let readers: [SQLiteConnection]
    /// Copies the WAL back into the database file beside the writer, so commits never wait for a checkpoint.
    private let checkpointer: SQLiteConnection
    /// The writer's, the checkpointer's and the readers' own threads, stopped after the connections close.
    private let threads: [NIOThreadPool]
    private let writeLock = AsyncLock()
    private let nextReader = Atomic<Int>(0)
    private let logger: Logger

    private init(
        writer: SQLiteConnection, readers: [SQLiteConnection], checkpointer: SQLiteConnection, threads: [NIOThreadPool], logger: Logger
    ) {
        self.checkpointer = checkpointer
        self.threads = threads
        self.writer = writer
        self.readers = readers
        self.logger = logger
    }

    /// Opens (creating if needed) the database file at `path`.
    public static func open(
        path: String, readers readerCount: Int = 2, synchronous: SQLiteSynchronous = .full, logger: Logger
    ) async throws -> SQLiteDriver {
        do {
            // The writer and the checkpointer get a thread each: queued behind readers' work on the shared pool (or
            // behind a checkpoint's fsync), commits wait for no reason.
            let writerThread = NIOThreadPool(numberOfThreads: 1)
            writerThread.start()
            let checkpointThread = NIOThreadPool(numberOfThreads: 1)
            checkpointThread.start()
            let writer = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: writerThread, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
            for pragma in [
                "PRAGMA journal_mode=WAL", "PRAGMA synchronous=\(synchronous.rawValue.uppercased())", "PRAGMA foreign_keys=ON",
                "PRAGMA busy_timeout=10000",
                "PRAGMA case_sensitive_like=ON",
                // Checkpoints run beside the writer (see `run`); this is only the backstop if they fall behind.
                "PRAGMA wal_autocheckpoint=20000",
            ] {
                _ = try await writer.query(pragma, [])
            }
            // Readers have threads of their own too: on NIO's shared pool, a stalled DNS look-up or a large document
            // parse would hold token checks (every authenticated request reads) behind it.
            let readerThreads = NIOThreadPool(numberOfThreads: max(1, readerCount))
            readerThreads.start()
            var readers: [SQLiteConnection] = []
            for _ in 0..<readerCount {
                let reader = try await SQLiteConnection.open(
                    storage: .file(path: path), threadPool: readerThreads, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
                _ = try await reader.query("PRAGMA busy_timeout=10000", [])
                _ = try await reader.query("PRAGMA query_only=ON", [])
                _ = try await reader.query("PRAGMA case_sensitive_like=ON", [])
                readers.append(reader)
            }
            let checkpointer = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: checkpointThread, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
            _ = try await checkpointer.query("PRAGMA busy_timeout=10000", [])
            return SQLiteDriver(
                writer: writer, readers: readers, checkpointer: checkpointer, threads: [writerThread, checkpointThread, readerThreads],
                logger: logger)
        } catch let error as SQLiteError {
            throw StorageError.unavailable("cannot open \(path): \(error.message)")
        }
    }

    public func query(_ query: SQLQuery) async throws -> [SQLRow] {
        let (sql, binds) = query.render(for: .sqlite)
        if !readers.isEmpty, Self.isRead(sql) {
            let index = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
            return try await Self.run(sql, binds, on: readers[abs(index) % readers.count])
        }
        return try await writeLock.withLock { try await Self.run(sql, binds, on: self.writer) }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any DatabaseConnection) async throws -> T) async throws -> T {
        try await writeLock.withLock {
            _ = try await Self.run("BEGIN IMMEDIATE", [], on: writer)
            let connection = Connection(connection: writer)
            do {
                let result = try await body(connection)
                _ = try await Self.run("COMMIT", [], on: writer)
                if connection.queued.load(ordering: .relaxed) { deliveriesQueued.ring() }
                return result
            } catch {
                _ = try? await Self.run("ROLLBACK", [], on: writer)
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
        // The run task is usually cancelled by now, and SQLiteNIO refuses work from a cancelled task; closing
        // in a detached (and awaited) task makes sure the files are closed cleanly.
        let connections = [writer] + readers + [checkpointer]
        let lock = writeLock
        let threads = self.threads
        await Task.detached {
            await lock.lock()
            defer { lock.unlock() }
            for connection in connections { try? await connection.close() }
            for thread in threads { try? await thread.shutdownGracefully() }
        }.value
    }

    private func checkpointContinuously() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(250))
            guard !Task.isCancelled else { return }
            do {
                _ = try await Self.run("PRAGMA wal_checkpoint(PASSIVE)", [], on: checkpointer)
            } catch {
                logger.debug("background checkpoint failed", metadata: ["pb.error": "\(error)"])
            }
        }
    }

    private static func isRead(_ sql: String) -> Bool {
        let head = sql.prefix(8).uppercased()
        return head.hasPrefix("SELECT") || head.hasPrefix("WITH")
    }

    fileprivate static func run(_ sql: String, _ binds: [SQLValue], on connection: SQLiteConnection) async throws -> [SQLRow] {
        let data = binds.map { value -> SQLiteData in
            switch value {
            case .null: .null
            case .integer(let value): .integer(SQLiteInt64(value))
            case .double(let value): .float(value)
            case .text(let value): .text(value)
            case .blob(let bytes): .blob(ByteBuffer(bytes: bytes))
            }
        }
        do {
            let rows = try await connection.query(sql, data)
            return rows.map { row in
                var values: [String: SQLValue] = [:]
                for column in row.columns {
                    values[column.name] =
                        switch column.data {
                        case .integer(let value): .integer(Int64(value))
                        case .float(let value): .double(value)
                        case .text(let value): .text(value)
                        case .blob(var buffer): .blob(buffer.readBytes(length: buffer.readableBytes) ?? [])
                        case .null: .null
                        }
                }
                return SQLRow(values: values)
            }
        } catch let error as SQLiteError {
            if error.message.contains("UNIQUE constraint failed") { throw StorageError.uniqueViolation }
            if error.message.contains("FOREIGN KEY constraint failed") { throw StorageError.foreignKeyViolation }
            throw StorageError.failure("sqlite: \(error.reason)")
        }
    }

    private final class Connection: DatabaseConnection {
        let connection: SQLiteConnection
        let queued = Atomic<Bool>(false)
        var dialect: SQLDialect { .sqlite }

        init(connection: SQLiteConnection) { self.connection = connection }

        func deliveriesQueued() async throws { queued.store(true, ordering: .relaxed) }

        func query(_ query: SQLQuery) async throws -> [SQLRow] {
            let (sql, binds) = query.render(for: .sqlite)
            return try await SQLiteDriver.run(sql, binds, on: connection)
        }
    }
}
