import ArgumentParser

/// `patchbay`: the server and its tools.
@main
struct Patchbay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patchbay",
        abstract: "Self-hosted integrations server: integration users and tokens, webhooks, API connectors.",
        subcommands: [ServeCommand.self, MigrateCommand.self, TokenCommand.self, OpenAPICommand.self, ActionCommand.self, BackupCommand.self]
    )
}
