import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import PatchbayApp
import PatchbayCore
import PatchbayDelivery
import PatchbayStorage

/// `PatchbayBench webhooks [--events N] [--rate R] [--duration S]`: the receiver's raw capacity (in-process load
/// generator, and wrk when installed); then, per configuration (1 webhook, 10 webhooks, 1 batching webhook), on a
/// fresh SQLite store: publish N events through the batch API with no worker running, start a worker and time
/// the drain to the receiver, then publish single events at R/s for S seconds and measure publish→receipt latency.
struct WebhooksScenario {
    struct Setup {
        var name: String
        var webhooks: Int
        var maxEventsPerRequest: Int
    }

    struct Outcome {
        var published: Double
        var delivered: Double
        var deliveredEvents: Int
        var requests: Int
        var pendingResidentMB: Double
        var peakMB: Double
        /// This process's CPU time during the drain, per delivered event (the worker, the transport, SQLite).
        var cpuMicrosPerEvent: Double
        var latencies: [Double]
        var latencyEvents: Int
        var latencySent: Int
        var publishLatencies: [Double]
    }

    let events: Int
    let rate: Int
    let seconds: Int
    /// Runs only this configuration (1-based), for profiling.
    var only: Int?
    /// Deliver to nginx (`return 204`, its own processes) instead of the in-process receiver: the drain is then
    /// counted from the database (every delivery recorded as succeeded), and no latency is measured (nginx keeps no
    /// clock of ours).
    var nginx = false
    /// `--no-anchors` skips the receiver's raw-capacity runs (for quick comparisons of two binaries, or a run under
    /// valgrind, where the load generator's own work would swamp the drain's).
    var anchors = true
    let logger: Logger = {
        var logger = Logger(label: "patchbay.bench")
        // Quiet by default; PATCHBAY_BENCH_LOG_LEVEL=error shows why a drain stalls.
        logger.logLevel = ProcessInfo.processInfo.environment["PATCHBAY_BENCH_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }()

    func run() async throws {
        let receiver = BenchReceiver()
        let (ports, ready) = AsyncStream<Int>.makeStream()
        let client = LoadGenerator.client(connectionsPerHost: 64)
        let nginx = try self.nginx ? NginxReceiver.start() : nil
        defer { nginx?.stop() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await receiver.application(logger: logger, ready: ready).runService() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { return }
            let hook = "http://127.0.0.1:\(nginx?.port ?? port)/hook"

            let body = Self.sampleBody
            let raw = await LoadGenerator(client: client, connections: anchors ? 16 : 1, duration: anchors ? .seconds(5) : .milliseconds(10)).run {
                _, _ in
                .init(method: .POST, url: hook, headers: [("Content-Type", "application/json")], body: body)
            }
            let wrk = anchors ? Self.wrk(url: hook, body: body) : nil
            say(
                "PatchbayBench webhooks — \(events) events per configuration, SQLite (WAL), "
                    + (nginx == nil ? "receiver, worker and API in one process" : "nginx (return 204) as the receiver in its own processes"))
            say(
                String(
                    format: "receiver raw capacity, in-process AsyncHTTPClient, 16 connections: %.0f POST/s (p50 %.2f ms)", raw.throughput,
                    raw.percentile(0.5)))
            if let wrk {
                say(String(format: "receiver raw capacity, wrk -t2 -c16 in a separate process:        %.0f POST/s", wrk))
            } else {
                say("receiver raw capacity, wrk: not installed")
            }
            say("")
            say("configuration                published/s  delivered ev/s  requests/s  vs wrk  vs in-proc  RSS 100k pending  peak MB  CPU µs/ev")
            var outcomes: [(Setup, Outcome)] = []
            let setups = [
                Setup(name: "1 webhook", webhooks: 1, maxEventsPerRequest: 1),
                Setup(name: "10 webhooks (by type)", webhooks: 10, maxEventsPerRequest: 1),
                Setup(name: "1 webhook, batches of 100", webhooks: 1, maxEventsPerRequest: 100),
            ]
            for setup in only.map({ [setups[min(max($0, 1), setups.count) - 1]] }) ?? setups {
                let outcome = try await measure(setup, receiver: receiver, hook: hook, client: client)
                outcomes.append((setup, outcome))
                let deliveredPerRequest = Double(outcome.requests) / Double(max(1, outcome.deliveredEvents)) * outcome.delivered
                say(
                    setup.name.padding(toLength: 28, withPad: " ", startingAt: 0)
                        + String(
                            format: " %11.0f  %14.0f  %10.0f  %5.0f%%  %9.0f%%  %13.0f MB  %7.0f  %9.1f",
                            outcome.published, outcome.delivered, deliveredPerRequest, wrk.map { outcome.delivered / $0 * 100 } ?? .nan,
                            outcome.delivered / raw.throughput * 100, outcome.pendingResidentMB, outcome.peakMB,
                            outcome.cpuMicrosPerEvent)
                )
            }
            guard nginx == nil else {
                group.cancelAll()
                return
            }
            say("")
            say("publish → receipt latency, single-event publishes at \(rate)/s for \(seconds) s (after 1 s of warm-up):")
            say("configuration                  sent  received   p50 ms   p95 ms   p99 ms   max ms   publish request p50/p99 ms")
            for (setup, outcome) in outcomes {
                let sorted = outcome.latencies.sorted()
                func percentile(_ fraction: Double) -> Double {
                    sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
                }
                say(
                    setup.name.padding(toLength: 28, withPad: " ", startingAt: 0)
                        + String(
                            format: " %6d  %8d  %7.2f  %7.2f  %7.2f  %7.2f   %6.2f / %6.2f", outcome.latencySent, outcome.latencyEvents,
                            percentile(0.5), percentile(0.95), percentile(0.99), sorted.last ?? .nan, Self.percentile(outcome.publishLatencies, 0.5),
                            Self.percentile(outcome.publishLatencies, 0.99))
                )
            }
            group.cancelAll()
        }
        try await client.shutdown()
    }

    /// One configuration on a fresh store.
    private func measure(_ setup: Setup, receiver: BenchReceiver, hook: String, client: HTTPClient) async throws -> Outcome {
        let bench = try await BenchStore.open(logger: logger, allowPrivateTargets: true, runsDeliveries: false)
        defer { bench.remove() }
        let (store, configuration, admin) = (bench.store, bench.configuration, bench.adminToken)
        let (apiPorts, apiReady) = AsyncStream<Int>.makeStream()
        let app = PatchbayServer.buildApplication(
            configuration: configuration, store: store, logger: logger, onServerRunning: { apiReady.yield($0) })
        let sender = WebhookSender(policy: AddressPolicy(allowPrivateTargets: true), clock: SystemTimeSource())

        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            var iterator = apiPorts.makeAsyncIterator()
            guard let apiPort = await iterator.next() else { throw CancellationError() }
            let api = BenchAPI(client: client, base: "http://127.0.0.1:\(apiPort)", token: admin)
            let org = try await api.post("/v1/organizations", #"{"name":"Bench"}"#)["id"]?.stringValue ?? ""
            for index in 0..<setup.webhooks {
                _ = try await api.post("/v1/event-types", #"{"name":"bench.e\#(index)"}"#)
                _ = try await api.post(
                    "/v1/organizations/\(org)/webhooks",
                    #"{"name":"Bench \#(index)","url":"\#(hook)","eventTypes":["bench.e\#(index)"],"maxEventsPerRequest":\#(setup.maxEventsPerRequest)}"#
                )
            }

            // Publish with no worker running: the outbox fills up.
            receiver.reset(recordLatency: false)
            let batches = (events + 999) / 1000
            let publishStart = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { publishers in
                for worker in 0..<4 {
                    publishers.addTask {
                        for batch in stride(from: worker, to: batches, by: 4) {
                            let range = (batch * 1000)..<min(events, batch * 1000 + 1000)
                            let items = range.map { Self.event(number: $0, type: "bench.e\($0 % setup.webhooks)") }
                            let status = try await api.status(
                                .POST, "/v1/organizations/\(org)/events/batch", #"{"events":[\#(items.joined(separator: ","))]}"#)
                            guard status == 202 else { throw BenchError("batch publish answered \(status)") }
                        }
                    }
                }
                try await publishers.waitForAll()
            }
            let published = Double(events) / ContinuousClock.now.seconds(since: publishStart)
            let pendingResident = ProcessMemory.residentMB
            ProcessMemory.resetPeak()

            // Drain: one worker, as `patchbay serve` runs it.
            // PATCHBAY_BENCH_LANES sets the requests in flight per webhook (the worker's default otherwise), for tuning.
            var workerConfiguration = DeliveryWorker.Configuration()
            if let lanes = ProcessInfo.processInfo.environment["PATCHBAY_BENCH_LANES"].flatMap(Int.init), (1...256).contains(lanes) {
                workerConfiguration.perWebhookConcurrency = lanes
                workerConfiguration.perWebhookHeld = max(workerConfiguration.perWebhookHeld, lanes * 4)
            }
            let worker = DeliveryWorker(
                store: store, sender: sender, retryPolicy: RetryPolicy(schedule: .standard), clock: SystemTimeSource(),
                configuration: workerConfiguration, logger: logger)
            let drainStart = ContinuousClock.now
            let drainCPUStart = ProcessCPU.seconds
            let working = Task { try await worker.run() }
            var drainedMillis: Int64?
            if nginx {
                // Durable is the measure: a delivery counts once its attempt is committed. The pending ones are counted
                // through the claimable index, seldom (a count is work the worker would feel); the drain ends when the
                // last delivery was marked succeeded.
                let startMillis = Int64(Date().timeIntervalSince1970 * 1000)
                while try await store.driver.query("SELECT COUNT(*) AS n FROM deliveries WHERE status IN ('pending', 'retrying')").first?.int("n")
                    ?? 0 > 0
                {
                    try await Task.sleep(for: .milliseconds(500))
                    if ContinuousClock.now.seconds(since: drainStart) > 600 { throw BenchError("drain stalled") }
                }
                while try await store.driver.query("SELECT COUNT(*) AS n FROM deliveries WHERE status <> 'succeeded'").first?.int("n") ?? 0 > 0 {
                    try await Task.sleep(for: .milliseconds(20))
                    if ContinuousClock.now.seconds(since: drainStart) > 660 { throw BenchError("deliveries were not all recorded") }
                }
                let last = try await store.driver.query("SELECT MAX(updated_at) AS t FROM deliveries").first?.int("t") ?? startMillis
                drainedMillis = last - startMillis
            } else {
                while receiver.events < events {
                    try await Task.sleep(for: .milliseconds(5))
                    if ContinuousClock.now.seconds(since: drainStart) > 600 { throw BenchError("drain stalled at \(receiver.events) events") }
                }
            }
            let drained = drainedMillis.map { Double($0) / 1000 } ?? ContinuousClock.now.seconds(since: drainStart)
            let deliveredEvents = nginx ? events : receiver.events
            let requests = nginx ? events / max(1, setup.maxEventsPerRequest) : receiver.requests
            // Every delivery must also be recorded as succeeded.
            while try await store.driver.query("SELECT COUNT(*) AS n FROM deliveries WHERE status <> 'succeeded'").first?.int("n") ?? 0 > 0 {
                try await Task.sleep(for: .milliseconds(20))
                if ContinuousClock.now.seconds(since: drainStart) > 660 { throw BenchError("deliveries were not all recorded") }
            }
            let peak = ProcessMemory.peakMB
            let cpuPerEvent = (ProcessCPU.seconds - drainCPUStart) / Double(max(1, deliveredEvents)) * 1_000_000
            let counts = worker.claimCountsSoFar
            say(
                "  drain: \(counts.claims) claims, \(counts.claimed / max(1, counts.claims)) deliveries each on average, \(counts.empty) empty, "
                    + "\(counts.searchesPastBusy) past busy webhooks, "
                    + "\(String(format: "%.2f", counts.time / .seconds(1))) s in claims")
            guard !nginx else {
                working.cancel()
                _ = await working.result
                group.cancelAll()
                await sender.shutdown()
                return Outcome(
                    published: published, delivered: Double(deliveredEvents) / drained, deliveredEvents: deliveredEvents, requests: requests,
                    pendingResidentMB: pendingResident, peakMB: peak, cpuMicrosPerEvent: cpuPerEvent, latencies: [], latencyEvents: 0, latencySent: 0,
                    publishLatencies: [])
            }

            // Latency at a fixed offered load, open loop: each publish leaves at its scheduled time.
            try await offer(api: api, org: org, webhooks: setup.webhooks, seconds: 1, receiver: receiver, record: false)
            let (sent, publishLatencies) = try await offer(
                api: api, org: org, webhooks: setup.webhooks, seconds: seconds, receiver: receiver, record: true)
            let latencyDeadline = ContinuousClock.now + .seconds(10)
            while receiver.events < sent, ContinuousClock.now < latencyDeadline { try await Task.sleep(for: .milliseconds(10)) }
            let outcome = Outcome(
                published: published, delivered: Double(deliveredEvents) / drained, deliveredEvents: deliveredEvents, requests: requests,
                pendingResidentMB: pendingResident, peakMB: peak, cpuMicrosPerEvent: cpuPerEvent, latencies: receiver.takeLatencies(),
                latencyEvents: receiver.events,
                latencySent: sent, publishLatencies: publishLatencies)
            // The worker stops (and records what it sent) before the database closes with the server.
            working.cancel()
            _ = await working.result
            group.cancelAll()
            await sender.shutdown()
            return outcome
        }
    }

    /// Publishes single events at `rate` per second for `seconds`; returns how many were accepted.
    /// Returns how many were accepted, and each publish request's latency (ms), sorted.
    @discardableResult
    private func offer(
        api: BenchAPI, org: String, webhooks: Int, seconds: Int, receiver: BenchReceiver, record: Bool
    ) async throws -> (accepted: Int, latencies: [Double]) {
        receiver.reset(recordLatency: record)
        let total = rate * seconds
        let interval = Duration.nanoseconds(1_000_000_000 / Int64(rate))
        let start = ContinuousClock.now
        return try await withThrowingTaskGroup(of: Double?.self) { group in
            for number in 0..<total {
                try await Task.sleep(until: start + interval * number, clock: .continuous)
                group.addTask {
                    let body = Self.event(number: number, type: "bench.e\(number % webhooks)")
                    let sent = ContinuousClock.now
                    let accepted = try await api.status(.POST, "/v1/organizations/\(org)/events", body) == 202
                    return accepted ? ContinuousClock.now.seconds(since: sent) * 1000 : nil
                }
            }
            var latencies: [Double] = []
            for try await latency in group { if let latency { latencies.append(latency) } }
            return (latencies.count, latencies.sorted())
        }
    }

    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }

    static func event(number: Int, type: String) -> String {
        let micros = Int(Date().timeIntervalSince1970 * 1_000_000)
        return #"{"type":"\#(type)","data":{"sentAt":\#(micros),"number":\#(number),"title":"Thread \#(number)","author":"usr_bench"}}"#
    }

    /// A body the size of one delivered event, for the raw-capacity runs.
    static let sampleBody =
        #"{"id":"evt_01JD0000000000000000000000","type":"bench.e0","organizationId":"org_01JD0000000000000000000000","createdAt":"2026-11-23T08:00:00.000Z","data":{"number":1,"title":"Thread 1","author":"usr_bench"}}"#

    /// wrk's POST/s against `url`, or nil when wrk is not installed.
    static func wrk(url: String, body: String) -> Double? {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("patchbay-bench-\(UUID().uuidString).lua")
        defer { try? FileManager.default.removeItem(at: script) }
        let lua = """
            wrk.method = "POST"
            wrk.body = '\(body)'
            wrk.headers["Content-Type"] = "application/json"
            """
        guard (try? lua.write(to: script, atomically: true, encoding: .utf8)) != nil else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["wrk", "-t2", "-c16", "-d5s", "-s", script.path, url]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Requests/sec:") }) else { return nil }
        return Double(line.split(separator: " ", omittingEmptySubsequences: true).last ?? "")
    }
}

/// The admin API over HTTP, for set-up and publishing.
struct BenchAPI: Sendable {
    let client: HTTPClient
    let base: String
    let token: String

    func status(_ method: HTTPMethod, _ path: String, _ body: String) async throws -> Int {
        let response = try await client.execute(request(method, path, body), timeout: .seconds(60))
        _ = try await response.body.collect(upTo: 16 << 20)
        return Int(response.status.code)
    }

    func post(_ path: String, _ body: String) async throws -> JSONValue {
        let response = try await client.execute(request(.POST, path, body), timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        guard response.status.code < 300 else { throw BenchError("POST \(path) answered \(response.status.code): \(String(buffer: bytes))") }
        return try JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes))
    }

    private func request(_ method: HTTPMethod, _ path: String, _ body: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        return request
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension ContinuousClock.Instant {
    func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = self - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// Prints a line at once (unbuffered), so a long run shows its progress when its output goes to a file.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
