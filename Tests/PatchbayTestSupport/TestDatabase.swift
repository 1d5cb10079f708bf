import Foundation
import Logging
import PatchbayCore
import PatchbayStorage

/// The stores every contract and end-to-end test runs against.
public enum StoreKind: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }
}

/// Fresh, isolated databases for tests: a temporary SQLite file, or a new PostgreSQL database created on the
/// server named by `PATCHBAY_TEST_DATABASE_URL` (dropped afterwards).
public enum TestDatabase {
    public static let postgresURL: String? = {
        let value = ProcessInfo.processInfo.environment["PATCHBAY_TEST_DATABASE_URL"]
        return value?.isEmpty == false ? value : nil
    }()

    public static let postgresSkipReason = "PostgreSQL tests skipped: PATCHBAY_TEST_DATABASE_URL is not set"

    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    public static let logger: Logger = {
        var logger = Logger(label: "patchbay.test")
        // PATCHBAY_TEST_LOG_LEVEL=debug shows the servers' logs when a test needs explaining.
        logger.logLevel = ProcessInfo.processInfo.environment["PATCHBAY_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }()

    /// Runs `body` with a migrated store of `kind` whose driver is running; cleans up after.
    public static func withStore<T: Sendable>(_ kind: StoreKind, _ body: @Sendable (Store) async throws -> T) async throws -> T {
        let (store, cleanup) = try await openStore(kind)
        do {
            let result = try await store.driver.withRunning {
                try await Migrator(driver: store.driver).migrate(now: SystemTimeSource().nowMillis)
                return try await body(store)
            }
            await cleanup()
            return result
        } catch {
            await cleanup()
            throw error
        }
    }

    /// A store on a new, empty database (not yet running or migrated) and how to remove that database.
    public static func openStore(_ kind: StoreKind) async throws -> (Store, cleanup: @Sendable () async -> Void) {
        switch kind {
        case .sqlite:
            let directory = temporaryDirectory()
            let store = try await Store.open(dataDirectory: directory, databaseURL: nil, secrets: try testSecrets(), logger: logger)
            return (store, { try? FileManager.default.removeItem(atPath: directory) })
        case .postgres:
            let (name, url) = try await createPostgresDatabase()
            let store = Store(driver: try PostgresDriver(url: url, maximumConnections: 8, logger: logger), secrets: try testSecrets())
            return (store, { try? await dropPostgresDatabase(name) })
        }
    }

    /// A box with a fresh random key, as a new installation would have.
    public static func testSecrets() throws -> SecretBox { try SecretBox(keyBytes: SecretBox.generateKey()) }

    public static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("patchbay-test-\(UUID().uuidString)").path
    }

    /// A new empty database on the test server: its name and URL.
    public static func createPostgresDatabase() async throws -> (name: String, url: String) {
        guard let base = postgresURL else { throw StorageError.unavailable("PATCHBAY_TEST_DATABASE_URL is not set") }
        let name = "pb_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        try await withAdmin(base) { driver in
            _ = try await driver.query(SQLQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        }
        return (String(name), replaceDatabase(in: base, with: String(name)))
    }

    public static func dropPostgresDatabase(_ name: String) async throws {
        guard let base = postgresURL else { return }
        try await withAdmin(base) { driver in
            _ = try await driver.query(SQLQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
        }
    }

    private static func withAdmin(_ url: String, _ body: @Sendable (PostgresDriver) async throws -> Void) async throws {
        let driver = try PostgresDriver(url: url, maximumConnections: 1, listensForDeliveries: false, logger: logger)
        try await driver.withRunning { try await body(driver) }
    }

    private static func replaceDatabase(in url: String, with name: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/" + name
        return components.string ?? url
    }
}
