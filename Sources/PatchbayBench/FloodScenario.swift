import AsyncHTTPClient
import Foundation
import Logging
import PatchbayApp

/// Token-authenticated reads while clients flood the linter with a large description: the reads must not wait for
/// the parses (they have threads of their own), and the parses past the cap are refused with 503 at once.
struct FloodScenario {
    let seconds: Int
    let lints: Int
    let document: String
    let maxParses: Int

    func run() async throws {
        var logger = Logger(label: "patchbay.bench")
        logger.logLevel = .critical
        let bench = try await BenchStore.open(logger: logger)
        defer { bench.remove() }
        var configuration = bench.configuration
        configuration.maxDocumentParses = maxParses
        let body = try String(contentsOfFile: document, encoding: .utf8)
        let (ports, ready) = AsyncStream<Int>.makeStream()
        let patchbay = PatchbayServer.buildApplication(
            configuration: configuration, store: bench.store, logger: logger, onServerRunning: { ready.yield($0) })
        let client = LoadGenerator.client(connectionsPerHost: lints + 8)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await patchbay.runService() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { return }
            let base = "http://127.0.0.1:\(port)"
            let admin = bench.adminToken
            let org = try await APIScenario.post(client, "\(base)/v1/organizations", token: admin, body: #"{"name":"Flood"}"#)
            let orgId = org["id"]?.stringValue ?? ""
            let token = try await APIScenario.post(client, "\(base)/v1/organizations/\(orgId)/tokens", token: admin, body: #"{"name":"reader"}"#)
            let auth = [("Authorization", "Bearer \(token["token"]?.stringValue ?? "")")]
            let read = { @Sendable (_: Int, _: Int) in
                LoadGenerator.Request(method: .GET, url: "\(base)/v1/organizations/\(orgId)", headers: auth, body: nil)
            }
            let duration = Duration.seconds(seconds)
            _ = await LoadGenerator(client: client, connections: 4, duration: .seconds(1)).run(read)
            let quiet = await LoadGenerator(client: client, connections: 4, duration: duration).run(read)
            async let flood = LoadGenerator(client: client, connections: lints, duration: duration).run { _, _ in
                LoadGenerator.Request(
                    method: .POST, url: "\(base)/v1/openapi/lint",
                    headers: [("Authorization", "Bearer \(admin)"), ("Content-Type", "application/json")],
                    body: body)
            }
            let busy = await LoadGenerator(client: client, connections: 4, duration: duration).run(read)
            let lintResult = await flood
            print(
                "PatchbayBench flood — \(lints) clients posting \(body.utf8.count / 1024) KiB to /v1/openapi/lint, --max-document-parses \(maxParses), \(seconds) s"
            )
            print("scenario                                       requests  refused      req/s   p50 ms   p99 ms")
            for (name, result) in [
                ("GET /v1/organizations/{org}, no flood", quiet), ("GET /v1/organizations/{org}, during the flood", busy),
                ("POST /v1/openapi/lint (refused = 503)", lintResult),
            ] {
                print(
                    name.padding(toLength: 46, withPad: " ", startingAt: 0)
                        + String(
                            format: " %8d  %7d  %9.1f  %7.2f  %7.2f", result.requests, result.failures, result.throughput, result.percentile(0.5),
                            result.percentile(0.99)))
            }
            print(String(format: "memory: resident %.0f MB, peak %.0f MB", ProcessMemory.residentMB, ProcessMemory.peakMB))
            group.cancelAll()
        }
        try await client.shutdown()
    }
}
