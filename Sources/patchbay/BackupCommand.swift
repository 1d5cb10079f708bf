import ArgumentParser
import Foundation
import PatchbayStorage

/// `patchbay backup --to FILE`: a consistent copy of a SQLite store, taken while the server runs.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the SQLite database consistently, while the server runs (PostgreSQL: use pg_dump).",
        discussion: """
            Restore: stop the server, remove <data-dir>/patchbay.sqlite-wal and -shm, put the copy in place as \
            <data-dir>/patchbay.sqlite, and start the server with the same encryption key (<data-dir>/encryption.key or \
            PATCHBAY_SECRET_KEY): the secrets in the copy are sealed with it.
            """
    )

    @OptionGroup var storage: StorageOptions
    @Option(name: .customLong("to"), help: "The file to write; it must not exist yet.") var destination: String

    func run() async throws {
        func fail(_ message: String) -> ExitCode {
            FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
            return ExitCode(2)
        }
        guard storage.resolvedDatabaseURL == nil else {
            throw fail("the store is PostgreSQL: back it up with PostgreSQL's own tools (pg_dump, or a base backup with WAL archiving)")
        }
        let source = URL(fileURLWithPath: storage.dataDirectory).appendingPathComponent("patchbay.sqlite").path
        guard !FileManager.default.fileExists(atPath: destination) else { throw fail("\(destination) already exists; choose a new file") }
        guard FileManager.default.fileExists(atPath: source) else { throw fail("there is no database at \(source)") }
        let store = try await storage.openStore(logger: CommandLogger.make(level: "warning"))
        // VACUUM INTO reads one snapshot of the database (WAL lets the server write on meanwhile) and writes it out
        // as a compact, self-contained file: every transaction committed before it started, none after.
        try await store.driver.withRunning { _ = try await store.driver.query("VACUUM INTO \(destination)") }
        let size = (try? FileManager.default.attributesOfItem(atPath: destination)[.size] as? Int) ?? 0
        Console.line("Backed up \(source) to \(destination) (\(size) bytes).")
    }
}
