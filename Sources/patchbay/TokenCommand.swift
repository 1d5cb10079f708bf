import ArgumentParser
import PatchbayApp
import PatchbayCore
import PatchbayStorage

/// `patchbay token …`
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage access tokens.",
        subcommands: [Create.self]
    )

    /// `patchbay token create --admin`: a new admin token, printed once.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an admin token and print it once.")

        @Flag(help: "Create an admin token (all organizations, all scopes).") var admin = false
        @Option(help: "A name to recognise the token by.") var name = "admin token (command line)"
        @OptionGroup var storage: StorageOptions

        func validate() throws {
            guard admin else {
                throw ValidationError(
                    "only admin tokens are made here (--admin); create organization tokens with POST /v1/organizations/{org}/tokens")
            }
            if let problem = FieldRules.name(name, at: "--name") { throw ValidationError("--name \(problem.message)") }
        }

        func run() async throws {
            let store = try await storage.openStore(logger: CommandLogger.make())
            let name = self.name
            let token = try await store.driver.withRunning {
                let now = SystemTimeSource().nowMillis
                try await Migrator(driver: store.driver).migrate(now: now)
                return try await AdminTokens.create(in: store, name: name, now: now)
            }
            print(token)
        }
    }
}
