import ArgumentParser
import Foundation
import Logging
import PatchbayApp
import PatchbayStorage

/// Where the data lives; shared by every command that touches the database.
struct StorageOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Directory of the embedded SQLite database.")
    var dataDirectory = "./patchbay-data"

    @Option(
        name: .customLong("database-url"),
        help: "postgres://user:password@host:5432/database — use PostgreSQL instead of SQLite (or set PATCHBAY_DATABASE_URL).")
    var databaseURL: String?

    @Option(
        name: .customLong("sqlite-synchronous"),
        help: "full (default): every acknowledged write survives a power loss; normal: faster, a power loss may lose the last writes.")
    var sqliteSynchronous = "full"

    /// A flag wins over its environment variable; either way the value is checked the same.
    func validate() throws {
        guard SQLiteSynchronous(rawValue: sqliteSynchronous) != nil else { throw ValidationError("--sqlite-synchronous must be full or normal") }
        if let url = resolvedDatabaseURL, !url.hasPrefix("postgres://"), !url.hasPrefix("postgresql://") {
            throw ValidationError("\(databaseURL == nil ? "PATCHBAY_DATABASE_URL" : "--database-url") must start with postgres:// or postgresql://")
        }
    }

    var resolvedDatabaseURL: String? {
        databaseURL ?? ProcessInfo.processInfo.environment["PATCHBAY_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func openStore(logger: Logger) async throws -> Store {
        let secrets = try EncryptionKeyStore.load(environment: ProcessInfo.processInfo.environment, dataDirectory: dataDirectory)
        return try await Store.open(
            dataDirectory: dataDirectory, databaseURL: resolvedDatabaseURL, secrets: secrets,
            sqliteSynchronous: SQLiteSynchronous(rawValue: sqliteSynchronous) ?? .full, logger: logger)
    }
}

enum CommandLogger {
    static func make(level: String? = ProcessInfo.processInfo.environment["LOG_LEVEL"]) -> Logger {
        var logger = Logger(label: "patchbay") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level.flatMap(Logger.Level.init(rawValue:)) ?? .info
        return logger
    }
}

/// Unbuffered lines on standard output, so a supervisor (or a test) sees them at once.
enum Console {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
