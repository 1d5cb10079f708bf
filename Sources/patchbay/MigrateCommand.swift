import ArgumentParser
import PatchbayCore
import PatchbayStorage

/// `patchbay migrate`: bring the database schema up to date and exit.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply pending database migrations.")

    @OptionGroup var storage: StorageOptions

    func run() async throws {
        let store = try await storage.openStore(logger: CommandLogger.make())
        let applied = try await store.driver.withRunning {
            try await Migrator(driver: store.driver).migrate(now: SystemTimeSource().nowMillis)
        }
        print(applied.isEmpty ? "The schema is up to date." : "Applied migrations \(applied.map(String.init).joined(separator: ", ")).")
    }
}
