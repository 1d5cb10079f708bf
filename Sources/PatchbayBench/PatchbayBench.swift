import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import PatchbayApp
import PatchbayCore
import PatchbayStorage

/// `PatchbayBench openapi [--specs DIR] [--runs N]` times reading, linting and action extraction per document.
/// `PatchbayBench flood [--duration S] [--lints N] [--max-document-parses N]` measures token-authenticated reads while
/// N clients post GitHub's 3.5 MB description to the linter without pause.
/// `PatchbayBench patterns [--runs N]` times the bounded pattern matcher on catastrophic and realistic patterns.
/// `PatchbayBench commands [--iterations N]` measures a slash command invocation's overhead over calling its endpoint.
/// `PatchbayBench retention [--rows N]` times the retention pass over N old rows and a publisher's latency meanwhile.
/// `PatchbayBench console [--deliveries N] [--requests N]` times every console page with N deliveries in its history,
/// then uploads GitHub's description through "Add OpenAPI Integration" and times the actions editor over its actions.
/// `PatchbayBench actions [--iterations N]` measures a connector run's overhead over a direct HTTP call.
/// `PatchbayBench inbound [--duration S] [--connections N] [--rate R]` measures verified inbound requests per second
/// and the inbound → outbound latency.
/// `PatchbayBench lint-vs [--specs DIR] [--runs N] [--patchbay PATH] [--validator PATH]` times `patchbay openapi lint`
/// against `openapi-spec-validator-rs`, whole processes taking turns.
/// `PatchbayBench api-wrk [--duration S] [--connections N] [--rounds N]` drives `/v1/health` and a token-authenticated
/// read with wrk from another process.
/// `PatchbayBench webhooks --nginx` delivers to nginx (`return 204`) in its own processes and counts durable deliveries;
/// `--no-anchors` skips the receiver's raw-capacity runs.
/// `PatchbayBench [api|webhooks] [--duration S] [--connections N] [--events N] [--rate R] [--setup 1|2|3]`. `api` starts Patchbay (SQLite in a temporary directory) and a
/// trivial Hummingbird route in this process, drives both with the same load generator, and prints throughput,
/// latency percentiles and memory.
@main
struct PatchbayBench {
    /// A failed scenario (nginx missing, a port taken) is a message and exit status 1, not a crash report.
    static func main() async {
        let arguments = CommandLine.arguments.dropFirst()
        if arguments.contains("--help") || arguments.contains("-h") || arguments.first == "help" {
            print(usage)
            return
        }
        do {
            try await run()
        } catch {
            FileHandle.standardError.write(Data("PatchbayBench: \(error)\n".utf8))
            exit(1)
        }
    }

    static let usage = """
        usage: PatchbayBench SCENARIO [options]
        scenarios: api, api-wrk, webhooks, openapi, lint-vs, actions, inbound, flood, patterns, retention, commands, console
          api        [--duration S] [--connections N]
          api-wrk    [--duration S] [--connections N] [--rounds N]
          webhooks   [--nginx] [--no-anchors] [--events N] [--rate R] [--setup 1|2|3]
          openapi    [--specs DIR] [--runs N]
          lint-vs    [--specs DIR] [--runs N] [--patchbay PATH] [--validator PATH]
          actions    [--iterations N]
          inbound    [--duration S] [--connections N] [--rate R]
          flood      [--duration S] [--lints N] [--max-document-parses N]
          patterns   [--runs N]
          retention  [--rows N]
          commands   [--iterations N]
          console    [--deliveries N] [--requests N]
        """

    static func run() async throws {
        if ProcessInfo.processInfo.environment["PATCHBAY_NIO_EXECUTOR"] == "1" {
            print("NIO executor installed:", NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor())
        }
        let arguments = CommandLine.arguments.dropFirst()
        func option(_ name: String, _ fallback: Int) -> Int {
            guard let index = arguments.firstIndex(of: name), arguments.index(after: index) < arguments.endIndex else { return fallback }
            return Int(arguments[arguments.index(after: index)]) ?? fallback
        }
        let scenario = arguments.first { !$0.hasPrefix("--") && Int($0) == nil } ?? "api"
        let seconds = option("--duration", 10)
        let connections = option("--connections", 32)
        switch scenario {
        case "api":
            try await APIScenario(duration: .seconds(seconds), connections: connections).run()
        case "webhooks":
            let only = option("--setup", 0)
            try await WebhooksScenario(
                events: option("--events", 100_000), rate: option("--rate", 1_000), seconds: seconds, only: only > 0 ? only : nil,
                nginx: arguments.contains("--nginx"), anchors: !arguments.contains("--no-anchors")
            ).run()
        case "inbound":
            try await InboundScenario(seconds: seconds, connections: connections, rate: option("--rate", 500)).run()
        case "flood":
            let directory = ProcessInfo.processInfo.environment["PATCHBAY_SPECS_DIR"] ?? "../shared/specs"
            try await FloodScenario(
                seconds: seconds, lints: option("--lints", 8), document: directory + "/github-api.github.com.json",
                maxParses: option("--max-document-parses", 2)
            ).run()
        case "patterns":
            try PatternScenario(runs: option("--runs", 5)).run()
        case "commands":
            try await CommandsScenario(iterations: option("--iterations", 2_000)).run()
        case "retention":
            try await RetentionScenario(rows: option("--rows", 200_000)).run()
        case "console":
            let directory = ProcessInfo.processInfo.environment["PATCHBAY_SPECS_DIR"] ?? "../shared/specs"
            try await ConsoleScenario(
                deliveries: option("--deliveries", 10_000), requests: option("--requests", 50),
                uploadPath: directory + "/github-api.github.com.json"
            ).run()
        case "actions":
            try await ActionsScenario(iterations: option("--iterations", 5_000)).run()
        case "lint-vs":
            let value = { (name: String, fallback: String) in
                arguments.firstIndex(of: name).flatMap {
                    arguments.index(after: $0) < arguments.endIndex ? arguments[arguments.index(after: $0)] : nil
                }
                    ?? fallback
            }
            try LintVersusScenario(
                directory: value("--specs", ProcessInfo.processInfo.environment["PATCHBAY_SPECS_DIR"] ?? "../shared/specs"),
                runs: option("--runs", 9), patchbay: value("--patchbay", ".build/release/patchbay"),
                validator: value("--validator", "openapi-spec-validator-rs")
            ).run()
        case "api-wrk":
            try await APIVersusHealthScenario(
                seconds: option("--duration", 5), connections: option("--connections", 16), rounds: option("--rounds", 3)
            )
            .run()
        case "openapi":
            let specs = arguments.firstIndex(of: "--specs").flatMap {
                arguments.index(after: $0) < arguments.endIndex ? arguments[arguments.index(after: $0)] : nil
            }
            let directory = specs ?? ProcessInfo.processInfo.environment["PATCHBAY_SPECS_DIR"] ?? "../shared/specs"
            try OpenAPIScenario(directory: directory, runs: option("--runs", 3)).run()
        default:
            FileHandle.standardError.write(
                Data(
                    "unknown scenario \(scenario); available: api, api-wrk, webhooks, openapi, lint-vs, actions, inbound, flood, patterns, retention, commands, console\n"
                        .utf8)
            )
            exit(2)
        }
    }
}

struct APIScenario {
    let duration: Duration
    let connections: Int

    func run() async throws {
        var logger = Logger(label: "patchbay.bench")
        logger.logLevel = .critical
        let bench = try await BenchStore.open(logger: logger)
        defer { bench.remove() }
        let (store, configuration) = (bench.store, bench.configuration)
        let (patchbayPort, patchbayReady) = AsyncStream<Int>.makeStream()
        let patchbay = PatchbayServer.buildApplication(
            configuration: configuration,
            store: store,
            logger: logger,
            onServerRunning: { port in patchbayReady.yield(port) }
        )

        let trivialRouter = Router()
        trivialRouter.get("/ping") { _, _ in "ok" }
        let (trivialPort, trivialReady) = AsyncStream<Int>.makeStream()
        let trivial = Application(
            router: trivialRouter,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in trivialReady.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )

        let client = LoadGenerator.client(connectionsPerHost: connections)

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await patchbay.runService() }
            group.addTask { try await trivial.runService() }
            var ports = patchbayPort.makeAsyncIterator()
            var trivialPorts = trivialPort.makeAsyncIterator()
            guard let apiPort = await ports.next(), let pingPort = await trivialPorts.next() else { return }
            try await measure(
                client: client, apiBase: "http://127.0.0.1:\(apiPort)", pingBase: "http://127.0.0.1:\(pingPort)",
                admin: configuration.adminToken ?? "")
            group.cancelAll()
        }
        try await client.shutdown()
    }

    private func measure(client: HTTPClient, apiBase: String, pingBase: String, admin: String) async throws {
        // Set-up through the API itself: an organization and an organization token (looked up in the database,
        // as a real integration's token would be).
        let org = try await Self.post(client, "\(apiBase)/v1/organizations", token: admin, body: #"{"name":"Bench"}"#)
        let orgId = org["id"]?.stringValue ?? ""
        let tokenResponse = try await Self.post(client, "\(apiBase)/v1/organizations/\(orgId)/tokens", token: admin, body: #"{"name":"bench"}"#)
        let token = tokenResponse["token"]?.stringValue ?? ""

        let generator = LoadGenerator(client: client, connections: connections, duration: duration)
        let auth = [("Authorization", "Bearer \(token)")]
        _ = await LoadGenerator(client: client, connections: connections, duration: .seconds(2)).run { _, _ in
            .init(method: .GET, url: "\(pingBase)/ping", headers: [], body: nil)
        }
        let ping = await generator.run { _, _ in .init(method: .GET, url: "\(pingBase)/ping", headers: [], body: nil) }
        let get = await generator.run { _, _ in .init(method: .GET, url: "\(apiBase)/v1/organizations/\(orgId)", headers: auth, body: nil) }
        let run = UUID().uuidString.prefix(8)
        let post = await generator.run { worker, iteration in
            .init(
                method: .POST,
                url: "\(apiBase)/v1/organizations/\(orgId)/users",
                headers: auth + [("Content-Type", "application/json")],
                body: #"{"name":"User \#(iteration)","email":"u\#(worker)-\#(iteration)-\#(run)@example.com"}"#
            )
        }

        print("PatchbayBench api — \(connections) connections, \(duration) per run, client and servers in one process, SQLite (WAL)")
        print("scenario                                   requests  failures      req/s   p50 ms   p99 ms  vs trivial")
        for (name, result) in [
            ("trivial Hummingbird GET /ping", ping), ("GET /v1/organizations/{org} (token auth)", get),
            ("POST /v1/organizations/{org}/users", post),
        ] {
            let ratio = result.throughput / ping.throughput * 100
            print(
                name.padding(toLength: 42, withPad: " ", startingAt: 0)
                    + String(
                        format: " %8d  %8d  %9.0f  %7.2f  %7.2f  %9.0f%%", result.requests, result.failures, result.throughput,
                        result.percentile(0.5), result.percentile(0.99), ratio)
            )
        }
        print(String(format: "memory: resident %.0f MB, peak %.0f MB", ProcessMemory.residentMB, ProcessMemory.peakMB))
    }

    /// Sends a JSON body with the token and returns the decoded answer (set-up calls of the scenarios).
    static func post(_ client: HTTPClient, _ url: String, token: String, body: String, method: HTTPMethod = .POST) async throws -> JSONValue {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(response.status.code) else {
            throw BenchFailure("\(method) \(url) answered \(response.status): \(String(buffer: bytes))")
        }
        return try JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes))
    }
}
