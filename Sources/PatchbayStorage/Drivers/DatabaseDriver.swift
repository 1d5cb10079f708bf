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
    /// Runs `body`, whose reads (concurrent ones too) may share one connection: a hot path's reads then cost one
    /// trip to the database instead of one each. Only reads belong in it: no writes, and no waiting on anything else.
    func reading<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T
    /// Delivery leases kept in memory, for a database only this process uses (SQLite); nil when leases are written
    /// to the deliveries' rows, where every instance sharing the database sees them (PostgreSQL).
    var deliveryLeases: DeliveryLeases? { get }
}

extension DatabaseDriver {
    public func waitUntilRunning() async {}

    public var deliveryLeases: DeliveryLeases? { nil }

    /// Runs `body`, whose reads (concurrent ones too) may share one connection. PostgreSQL's pool serves them side
    /// by side as before; SQLite overrides this.
    public func reading<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await body()
    }
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
