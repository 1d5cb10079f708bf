import ArgumentParser
import Foundation
import PatchbayApp
import PatchbayConnectors
import PatchbayCore
import PatchbayDelivery
import PatchbayStorage

/// `patchbay action …`
struct ActionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "action", abstract: "Run connector actions.", subcommands: [Run.self])

    /// `patchbay action run INSTALLATION ACTION`: the same run as `POST …/actions/{act}/run`, from the command line.
    /// Prints the run result as JSON; exits 0 when the API answered 2xx, 1 for another status, 2 when the run failed.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run an action of an installation and print the result as JSON.")

        @Argument(help: "The installation (ins_…).") var installation: String
        @Argument(help: "The action: its id (act_…) or its name.") var action: String
        @Option(help: "Parameter values as a JSON object, e.g. '{\"id\": 3}'.") var parameters: String?
        @Option(help: "The request body as JSON.") var body: String?
        @Flag(help: "Follow the API's pagination.") var paginate = false
        @Option(name: .customLong("page-limit"), help: "At most this many pages (1–20).") var pageLimit: Int?
        @Flag(name: .customLong("allow-private-targets"), help: "Allow http and private or loopback API addresses (development only).")
        var allowPrivateTargets = false
        @OptionGroup var storage: StorageOptions

        func validate() throws {
            if let pageLimit, !(1...APISettings.Pagination.maximumPageLimit).contains(pageLimit) {
                throw ValidationError("--page-limit must be from 1 to \(APISettings.Pagination.maximumPageLimit)")
            }
            _ = try Self.json(body, option: "--body")
            if let value = try Self.json(parameters, option: "--parameters") {
                guard case .object = value else { throw ValidationError("--parameters must be a JSON object") }
            }
        }

        static func json(_ text: String?, option: String) throws -> JSONValue? {
            guard let text else { return nil }
            guard let value = JSONText.decode(Array(text.utf8)) else { throw ValidationError("\(option) is not valid JSON") }
            return value
        }

        func run() async throws {
            var parsed = ActionInput(body: try Self.json(body, option: "--body"))
            if case .object(let members)? = try Self.json(parameters, option: "--parameters") { parsed.parameters = members }
            let input = parsed
            let logger = CommandLogger.make(level: ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "warning")
            let store = try await storage.openStore(logger: logger)
            let client = GuardedHTTPClient(policy: AddressPolicy(allowPrivateTargets: allowPrivateTargets))
            let (installationId, actionReference, paginate, pageLimit) = (installation, action, self.paginate, self.pageLimit)
            let outcome: Result<ActionRunResult, PatchbayError> = try await store.driver.withRunning {
                try await Migrator(driver: store.driver).migrate(now: SystemTimeSource().nowMillis)
                do {
                    guard let installation = try await store.installations.find(id: installationId) else {
                        throw PatchbayError.notFound("Installation \(installationId.prefix(40))")
                    }
                    let actions = try await store.actions.all(integrationId: installation.integrationId)
                    guard
                        let found = actions.first(where: { $0.id == actionReference })
                            ?? actions.first(where: { Action.nameKey($0.definition.name) == Action.nameKey(actionReference) })
                    else { throw PatchbayError.notFound("Action \(actionReference.prefix(100)) of installation \(installationId)") }
                    guard let api = try await store.actions.api(integrationId: installation.integrationId),
                        let secrets = try await store.installations.secrets(of: installation.id)
                    else { throw PatchbayError.invalid("/api", "the integration has no API settings") }
                    let connectors = Connectors(store: store, client: client, clock: SystemTimeSource(), logger: logger)
                    return .success(
                        try await connectors.runner.run(
                            found.definition, api: api, installation: installation, credentials: secrets.credentials,
                            request: ActionRunRequest(input: input, paginate: paginate, pageLimit: pageLimit)))
                } catch let error as PatchbayError {
                    return .failure(error)
                }
            }
            await client.shutdown()
            switch outcome {
            case .success(let result):
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                Console.line(String(decoding: try encoder.encode(result), as: UTF8.self))
                if !(200..<300).contains(result.status) { throw ExitCode(1) }
            case .failure(let error):
                var lines = ["error: \(error.detail)"]
                for problem in error.errors { lines.append("  \(problem.pointer ?? problem.parameter ?? ""): \(problem.message)") }
                FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
                throw ExitCode(2)
            }
        }
    }
}
