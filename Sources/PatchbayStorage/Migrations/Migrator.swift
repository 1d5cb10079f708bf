/// Applies pending migrations in one transaction. On PostgreSQL an advisory lock makes instances that
/// start together take turns, so exactly one of them migrates.
public struct Migrator: Sendable {
    private let driver: any DatabaseDriver
    private let migrations: [Migration]

    public init(driver: any DatabaseDriver, migrations: [Migration] = Migrations.all) {
        self.driver = driver
        self.migrations = migrations
    }

    /// Brings the schema up to date; returns the versions applied now (empty when already current).
    @discardableResult
    public func migrate(now: Int64) async throws -> [Int] {
        let migrations = self.migrations
        let dialect = driver.dialect
        return try await driver.transaction { connection in
            if dialect == .postgres {
                _ = try await connection.query("SELECT pg_advisory_xact_lock(\(Int64(0x7062_6d69_6772)))")
            }
            _ = try await connection.query(
                "CREATE TABLE IF NOT EXISTS patchbay_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
            )
            let applied = Set(try await connection.query("SELECT version FROM patchbay_migrations").map { Int(try $0.int("version")) })
            let known = migrations.map(\.version).max() ?? 0
            if let newest = applied.max(), newest > known { throw StorageError.schemaTooNew(found: newest, known: known) }
            var done: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                for statement in migration.statements {
                    guard let sql = statement.sql(for: dialect) else { continue }
                    // Migration statements are constants written in Migrations.swift, chosen by dialect.
                    _ = try await connection.query(SQLQuery(unsafeSQL: sql))
                }
                _ = try await connection.query(
                    "INSERT INTO patchbay_migrations (version, name, applied_at) VALUES (\(migration.version), \(migration.name), \(now))"
                )
                done.append(migration.version)
            }
            return done
        }
    }

    /// The highest applied version, or 0 for an empty database.
    public func currentVersion() async throws -> Int {
        let exists = try await driver.query(
            driver.dialect == .sqlite
                ? "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'patchbay_migrations'"
                : "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name = 'patchbay_migrations' AND table_schema = current_schema()"
        )
        guard try exists.first?.int("n") ?? 0 > 0 else { return 0 }
        return Int(try await driver.query("SELECT COALESCE(MAX(version), 0) AS v FROM patchbay_migrations").first?.int("v") ?? 0)
    }
}
