import Foundation
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle

/// The shared store: a PostgreSQL connection pool. Several Patchbay instances may use one database.
public final class PostgresDriver: DatabaseDriver {
    public let dialect = SQLDialect.postgres
    public let deliveriesQueued = Doorbell()
    /// The NOTIFY channel that carries "deliveries queued" between instances (and to this one, at commit).
    static let channel = "patchbay_deliveries"
    private let client: PostgresClient
    private let logger: Logger
    /// Whether one pooled connection is held to LISTEN for other instances' queued deliveries.
    private let listens: Bool
    private let started: AsyncStream<Void>
    private let startedContinuation: AsyncStream<Void>.Continuation

    public init(client: PostgresClient, listensForDeliveries: Bool = true, logger: Logger) {
        self.client = client
        self.listens = listensForDeliveries
        self.logger = logger
        (started, startedContinuation) = AsyncStream<Void>.makeStream()
    }

    /// A driver for `postgres://user:password@host:port/database?sslmode=disable|prefer|require`.
    public convenience init(url: String, maximumConnections: Int = 20, listensForDeliveries: Bool = true, logger: Logger) throws {
        try self.init(
            client: PostgresClient(configuration: Self.configuration(url: url, maximumConnections: maximumConnections), backgroundLogger: logger),
            listensForDeliveries: listensForDeliveries && maximumConnections > 1,
            logger: logger)
    }

    public static func configuration(url: String, maximumConnections: Int = 20) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let host = components.host, !host.isEmpty
        else { throw StorageError.unavailable("the database URL must look like postgres://user:password@host:5432/database") }
        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS =
            switch sslMode {
            case "disable": .disable
            case "require", "verify-full", "verify-ca": .require(.makeClientConfiguration())
            default: .prefer(.makeClientConfiguration())
            }
        let database = components.path.split(separator: "/").first.map(String.init)
        var configuration = PostgresClient.Configuration(
            host: host,
            port: components.port ?? 5432,
            username: components.user?.removingPercentEncoding ?? "postgres",
            password: components.password?.removingPercentEncoding,
            database: database?.removingPercentEncoding,
            tls: tls
        )
        configuration.options.maximumConnections = maximumConnections
        return configuration
    }

    public func query(_ query: SQLQuery) async throws -> [SQLRow] {
        let postgresQuery = Self.postgresQuery(query)
        return try await Self.mapErrors { try await Self.collect(self.client.query(postgresQuery, logger: self.logger)) }
    }

    /// A transaction PostgreSQL aborted as a deadlock victim (or a serialization failure) is run again, up to this
    /// many times in all: two transactions that lock the same rows in opposite orders (a webhook's deletion cascading
    /// to its deliveries while the worker records one of them) are both correct, and one of them simply goes again.
    static let transactionAttempts = 3

    public func transaction<T: Sendable>(_ body: @Sendable (any DatabaseConnection) async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await client.withTransaction(logger: logger) { connection in
                    try await body(Connection(connection: connection, logger: self.logger))
                }
            } catch  where attempt < Self.transactionAttempts && Self.isRetryable(error) {
                attempt += 1
                logger.debug(
                    "transaction aborted by PostgreSQL (deadlock or serialization); running it again", metadata: ["pb.attempt": "\(attempt)"])
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...50)))
            } catch {
                throw Self.map(error)
            }
        }
    }

    static func sqlStateMessage(_ state: String) -> String { "postgres sqlstate \(state)" }

    /// Whether the failure is a deadlock (40P01) or serialization failure (40001): nothing was committed, and the
    /// same transaction can succeed when run again. Inside the transaction a statement's error has already been
    /// mapped (`map`) by the connection.
    static func isRetryable(_ error: any Error) -> Bool {
        switch error {
        case StorageError.failure(let message):
            return message == sqlStateMessage("40P01") || message == sqlStateMessage("40001")
        case let error as PostgresTransactionError:
            return [error.closureError, error.beginError, error.commitError].contains { $0.map(isRetryable) ?? false }
        case let error as PSQLError:
            return ["40P01", "40001"].contains(error.serverInfo?[.sqlState] ?? "")
        default:
            return false
        }
    }

    public func run() async throws {
        startedContinuation.finish()
        // The client stops on graceful shutdown as well as on cancellation; the listener stops with it.
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.client.run() }
            if listens { group.addTask { await self.listenForDeliveries() } }
            await group.next()
            group.cancelAll()
        }
    }

    /// Holds one pooled connection listening on the channel and rings the doorbell for each notification; after a
    /// lost connection it listens again. Missed notifications cost only latency: workers still poll.
    private func listenForDeliveries() async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Self.channel) { notifications in
                        for try await _ in notifications { self.deliveriesQueued.ring() }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.debug("listening for queued deliveries failed; retrying", metadata: ["pb.error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    public func waitUntilRunning() async {
        for await _ in started {}
        // Let the client's run loop take its first step before the first lease.
        await Task.yield()
    }

    static func postgresQuery(_ query: SQLQuery) -> PostgresQuery {
        let (sql, binds) = query.render(for: .postgres)
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let value): bindings.append(value)
            case .double(let value): bindings.append(value)
            case .text(let value): bindings.append(value)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    static func collect(_ sequence: PostgresRowSequence) async throws -> [SQLRow] {
        var rows: [SQLRow] = []
        // Every row of a result has the same columns: their names are read once.
        var columns: SQLColumns?
        for try await row in sequence {
            var names: [String] = []
            var cells: [SQLValue] = []
            for cell in row {
                if columns == nil { names.append(cell.columnName) }
                cells.append(try value(of: cell))
            }
            let shared = columns ?? SQLColumns(names)
            columns = shared
            rows.append(SQLRow(columns: shared, cells: cells))
        }
        return rows
    }

    private static func value(of cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .float4, .float8, .numeric: return .double(try cell.decode(Double.self))
        case .bytea:
            var buffer = try cell.decode(ByteBuffer.self)
            return .blob(buffer.readBytes(length: buffer.readableBytes) ?? [])
        default: return .text(try cell.decode(String.self))
        }
    }

    static func mapErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw map(error)
        }
    }

    /// Storage errors for PostgreSQL failures; the caller's own errors pass through a failed transaction unchanged.
    static func map(_ error: any Error) -> any Error {
        switch error {
        case let error as PostgresTransactionError:
            if let closureError = error.closureError { return map(closureError) }
            return map(error.beginError ?? error.commitError ?? error.rollbackError ?? StorageError.failure("transaction failed"))
        case let error as PSQLError:
            switch error.serverInfo?[.sqlState] {
            case "23505": return StorageError.uniqueViolation
            case "23503": return StorageError.foreignKeyViolation
            case let state?: return StorageError.failure(sqlStateMessage(state))
            case nil: return StorageError.unavailable("postgres: \(error.code)")
            }
        default:
            return error
        }
    }

    private struct Connection: DatabaseConnection {
        let connection: PostgresConnection
        let logger: Logger
        var dialect: SQLDialect { .postgres }

        func query(_ query: SQLQuery) async throws -> [SQLRow] {
            let postgresQuery = PostgresDriver.postgresQuery(query)
            return try await PostgresDriver.mapErrors {
                try await PostgresDriver.collect(connection.query(postgresQuery, logger: logger))
            }
        }

        func deliveriesQueued() async throws {
            // Transactional: delivered at commit, dropped on rollback; repeats within a transaction are folded.
            _ = try await query("SELECT pg_notify(\(PostgresDriver.channel), '') AS notified")
        }
    }
}
