import ServiceLifecycle

/// A connection inside a transaction.
public protocol DatabaseConnection: Sendable {
    var dialect: SQLDialect { get }
    func query(_ query: SQLQuery) async throws -> [SQLRow]
    /// Notes that this transaction queued deliveries: once it commits, every delivery worker on the database is
    /// woken (through the driver's `deliveriesQueued` doorbell; across instances by PostgreSQL's NOTIFY).
    func deliveriesQueued() async throws
}

/// A database the repositories run on. A `Service`: it runs (pool upkeep) for the server's lifetime and
/// closes on graceful shutdown.
public protocol DatabaseDriver: Service {
    var dialect: SQLDialect { get }
    /// Rung after a transaction that queued deliveries commits, so workers need not wait for their next poll.
    var deliveriesQueued: Doorbell { get }
    /// Runs one statement outside any explicit transaction (auto-commit).
    func query(_ query: SQLQuery) async throws -> [SQLRow]
    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<T: Sendable>(_ body: @Sendable (any DatabaseConnection) async throws -> T) async throws -> T
    /// Returns once `run()` has started, so work issued after it does not race the driver's start.
    func waitUntilRunning() async
}

extension DatabaseDriver {
    public func waitUntilRunning() async {}
}

extension DatabaseDriver {
    /// Runs `body` while the driver's service runs beside it (for commands and tests outside a ServiceGroup).
    public func withRunning<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await self.run()
                return nil
            }
            defer { group.cancelAll() }
            await waitUntilRunning()
            return try await body()
        }
    }
}
