import ArgumentParser
import Foundation
import Hummingbird
import PatchbayApp
import PatchbayConsole
import PatchbayCore

/// `patchbay serve`: the API, inbound webhooks, the console and metrics, until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the Patchbay server.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8080
    @OptionGroup var storage: StorageOptions
    @Flag(name: .customLong("allow-private-targets"), help: "Allow webhooks to http and private or loopback addresses (development only).")
    var allowPrivateTargets = false
    @Option(name: .customLong("retry-schedule"), help: "Delays between delivery attempts.") var retrySchedule = "5s,5m,30m,2h,5h,10h,10h"
    @Option(name: .customLong("max-body-bytes"), help: "Largest accepted request body (default 1048576, or PATCHBAY_MAX_BODY_BYTES).")
    var maxBodyBytes: Int?
    @Option(
        name: .customLong("public-url"),
        help: "Where browsers and OAuth providers reach this server (the OAuth redirect URI is built from it; or PATCHBAY_PUBLIC_URL).")
    var publicURL: String?
    @Option(name: .customLong("rate-limit"), help: "Requests a second per non-admin token, bursts of twice that (0: no limit).")
    var rateLimit = 100
    @Option(name: .customLong("inbound-rate-limit"), help: "Requests a second per inbound URL, bursts of twice that (0: no limit).")
    var inboundRateLimit = 100
    @Option(name: .customLong("max-document-parses"), help: "API descriptions of 256 KiB or more parsed at once; more answer 503.")
    var maxDocumentParses = 2
    @Option(
        name: .customLong("retention"),
        help: "How long events, deliveries, inbound requests and idempotency keys are kept: 30d (default), 12h, 90m, or off (or PATCHBAY_RETENTION).")
    var retention: String?
    @Option(
        name: .customLong("command-timeout"),
        help: "How long a slash command waits for the integration's answer before 504: 100ms to 30s (default 3s).")
    var commandTimeout = "3s"
    @Option(
        name: .customLong("console-frame-ancestors"),
        help: "Origins allowed to embed the console in a frame, comma-separated (https://app.example.com); none by default.")
    var consoleFrameAncestors: String?
    @Flag(name: .customLong("no-deliveries"), help: "Serve the API only; other instances sharing the database deliver webhooks.")
    var noDeliveries = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard (0...1_000_000).contains(rateLimit) else { throw ValidationError("--rate-limit must be 0 (off) to 1000000 requests a second") }
        guard (0...1_000_000).contains(inboundRateLimit) else {
            throw ValidationError("--inbound-rate-limit must be 0 (off) to 1000000 requests a second")
        }
        guard (1...64).contains(maxDocumentParses) else { throw ValidationError("--max-document-parses must be 1 to 64") }
        // A flag wins over its environment variable; either way the value is checked the same.
        _ = try Self.maxBodyBytes(flag: maxBodyBytes, environment: ProcessInfo.processInfo.environment)
        _ = try Self.publicURL(flag: publicURL, environment: ProcessInfo.processInfo.environment)
        if case .failure(let error) = RetrySchedule.parse(retrySchedule) {
            throw ValidationError("--retry-schedule: \(error.errors.first?.message ?? error.detail)")
        }
        _ = try Self.retention(flag: retention, environment: ProcessInfo.processInfo.environment)
        _ = try Self.commandTimeoutMillis(commandTimeout)
        if let problem = ConsoleSettings.frameAncestorProblem(Self.origins(consoleFrameAncestors)) {
            throw ValidationError("--console-frame-ancestors: \(problem)")
        }
    }

    static func origins(_ text: String?) -> [String] {
        (text ?? "").split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
    }

    func run() async throws {
        var configuration = PatchbayConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.dataDirectory = storage.dataDirectory
        configuration.databaseURL = storage.resolvedDatabaseURL
        configuration.allowPrivateTargets = allowPrivateTargets
        configuration.retrySchedule = (try? RetrySchedule.parse(retrySchedule).get()) ?? .standard
        let environment = ProcessInfo.processInfo.environment
        configuration.maxBodyBytes = try Self.maxBodyBytes(flag: maxBodyBytes, environment: environment)
        configuration.runsDeliveries = !noDeliveries
        configuration.publicURL = try Self.publicURL(flag: publicURL, environment: environment)
        configuration.rateLimit = rateLimit
        configuration.inboundRateLimit = inboundRateLimit
        configuration.maxDocumentParses = maxDocumentParses
        configuration.retention = try Self.retention(flag: retention, environment: environment)
        configuration.commandTimeoutMillis = try Self.commandTimeoutMillis(commandTimeout)
        configuration.consoleFrameAncestors = Self.origins(consoleFrameAncestors)
        configuration.apply(environment: environment)
        if let problem = configuration.problem { throw ValidationError(problem) }
        // One server owns a SQLite data directory: a second one would share the file's single writer and its
        // delivery leases, which assume one process.
        if configuration.databaseURL == nil, let problem = DataDirectoryLock.acquire(directory: storage.dataDirectory) {
            FileHandle.standardError.write(Data("Error: \(problem)\n".utf8))
            throw ExitCode(DataDirectoryLock.ownedExitStatus)
        }
        let logger = CommandLogger.make()
        let store = try await storage.openStore(logger: logger)
        let host = self.host
        let app = PatchbayServer.buildApplication(
            configuration: configuration,
            store: store,
            logger: logger,
            onAdminTokenCreated: { token in
                Console.line("Admin token (shown once, store it now): \(token)")
            },
            onServerRunning: { port in
                Console.line("Patchbay listening on http://\(host):\(port)")
            }
        )
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}

extension ServeCommand {
    /// `--max-body-bytes`, else `PATCHBAY_MAX_BODY_BYTES`, else 1 MiB: at least 1024 whichever set it.
    static func maxBodyBytes(flag: Int?, environment: [String: String]) throws -> Int {
        if let flag {
            guard flag >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
            return flag
        }
        guard let text = environment["PATCHBAY_MAX_BODY_BYTES"], !text.isEmpty else { return 1 << 20 }
        guard let bytes = Int(text), bytes >= 1024 else {
            throw ValidationError("PATCHBAY_MAX_BODY_BYTES must be a whole number of at least 1024 (got \"\(text.prefix(40))\")")
        }
        return bytes
    }

    /// `--public-url`, else `PATCHBAY_PUBLIC_URL`: an absolute http or https URL whichever set it.
    static func publicURL(flag: String?, environment: [String: String]) throws -> String? {
        let (value, source) =
            flag.map { ($0, "--public-url") } ?? (environment["PATCHBAY_PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 }, "PATCHBAY_PUBLIC_URL")
        guard let value else { return nil }
        guard let url = URL(string: value), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false else {
            throw ValidationError("\(source) must be an absolute http or https URL such as https://patchbay.example.com")
        }
        return value
    }

    /// `--retention`, else `PATCHBAY_RETENTION`, else 30 days.
    static func retention(flag: String?, environment: [String: String]) throws -> RetentionPolicy {
        let (value, source) =
            flag.map { ($0, "--retention") } ?? (environment["PATCHBAY_RETENTION"].flatMap { $0.isEmpty ? nil : $0 }, "PATCHBAY_RETENTION")
        guard let value else { return .standard }
        switch RetentionPolicy.parse(value) {
        case .success(let policy): return policy
        case .failure(let error): throw ValidationError("\(source): \(error.errors.first?.message ?? error.detail)")
        }
    }

    /// `--command-timeout`: `3s`, `500ms`; 100 ms to 30 s.
    static func commandTimeoutMillis(_ text: String) throws -> Int64 {
        let token = text.trimmingWhitespace().lowercased()
        let (digits, factor): (Substring, Int64) =
            token.hasSuffix("ms") ? (token.dropLast(2), 1) : token.hasSuffix("s") ? (token.dropLast(1), 1000) : (Substring(token), 1000)
        guard digits.utf8.count <= 6, let amount = Int64(digits), (100...30_000).contains(amount * factor) else {
            throw ValidationError("--command-timeout must be from 100ms to 30s, such as 3s or 500ms")
        }
        return amount * factor
    }
}
