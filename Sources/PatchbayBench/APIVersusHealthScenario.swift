import AsyncHTTPClient
import Foundation
import Logging
import PatchbayApp
import PatchbayCore

/// `PatchbayBench api-wrk [--duration S] [--connections N] [--rounds N]`: Patchbay on SQLite in this process, wrk in
/// another, taking turns between `GET /v1/health` (one `SELECT 1`) and `GET /v1/organizations/{org}` with an
/// organization token (the token's principal, then the organization's row). Medians of the rounds, and the ratio.
struct APIVersusHealthScenario {
    let seconds: Int
    let connections: Int
    let rounds: Int

    func run() async throws {
        var logger = Logger(label: "patchbay.bench")
        logger.logLevel = .critical
        let bench = try await BenchStore.open(logger: logger, runsDeliveries: false)
        defer { bench.remove() }
        let (port, ready) = AsyncStream<Int>.makeStream()
        let patchbay = PatchbayServer.buildApplication(
            configuration: bench.configuration, store: bench.store, logger: logger, onServerRunning: { ready.yield($0) })
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await patchbay.runService() }
            var ports = port.makeAsyncIterator()
            guard let port = await ports.next() else { return }
            let base = "http://127.0.0.1:\(port)"
            let org = try await APIScenario.post(client, "\(base)/v1/organizations", token: bench.adminToken, body: #"{"name":"Bench"}"#)
            let orgId = org["id"]?.stringValue ?? ""
            let token =
                try await APIScenario.post(
                    client, "\(base)/v1/organizations/\(orgId)/tokens", token: bench.adminToken,
                    body: #"{"name":"bench","scopes":["organizations:read"]}"#
                )["token"]?.stringValue ?? ""
            // wrk blocks its thread; the server's tasks run on their own event loops meanwhile.
            let (health, organization) = try await Task.detached { [seconds, connections, rounds] in
                _ = try WrkResult.run(url: "\(base)/v1/health", seconds: 2, connections: connections)
                var health: [WrkResult] = []
                var organization: [WrkResult] = []
                for _ in 0..<rounds {
                    health.append(try WrkResult.run(url: "\(base)/v1/health", seconds: seconds, connections: connections))
                    organization.append(
                        try WrkResult.run(
                            url: "\(base)/v1/organizations/\(orgId)", seconds: seconds, connections: connections,
                            headers: ["Authorization: Bearer \(token)"]))
                }
                return (health, organization)
            }.value
            print("PatchbayBench api-wrk — wrk -t2 -c\(connections) -d\(seconds)s in its own process, \(rounds) rounds taking turns, SQLite (WAL)")
            print("endpoint                                       req/s (median)   p50 ms   p99 ms   non-2xx   vs health")
            let healthRate = ExternalTools.median(health.map(\.requestsPerSecond))
            for (name, results) in [("GET /v1/health", health), ("GET /v1/organizations/{org} (token)", organization)] {
                let rate = ExternalTools.median(results.map(\.requestsPerSecond))
                print(
                    name.padding(toLength: 46, withPad: " ", startingAt: 0)
                        + String(
                            format: " %14.0f  %7.2f  %7.2f  %8d  %9.0f%%", rate, ExternalTools.median(results.map(\.p50Millis)),
                            ExternalTools.median(results.map(\.p99Millis)), results.map(\.non2xx).reduce(0, +), rate / healthRate * 100))
            }
            print(String(format: "server memory: resident %.0f MB, peak %.0f MB", ProcessMemory.residentMB, ProcessMemory.peakMB))
            group.cancelAll()
        }
        try await client.shutdown()
    }
}
