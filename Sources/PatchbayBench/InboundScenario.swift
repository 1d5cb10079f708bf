import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import PatchbayApp
import PatchbayCore
import PatchbayStorage

/// `PatchbayBench inbound [--duration S] [--connections N] [--rate R]`: Patchbay on SQLite with its delivery worker,
/// one inbound endpoint (GitHub signatures) whose event type one outbound webhook subscribes to, and the bench
/// receiver. First the ceiling: the same closed-loop generator against the receiver's trivial route. Then verified
/// inbound requests per second, each signed anew with its own delivery id (closed loop, N connections, S seconds),
/// and the acknowledgement latency. Then, open loop at R requests/s, the latency from posting to the inbound URL
/// to receiving the resulting event on the outbound webhook.
struct InboundScenario {
    let seconds: Int
    let connections: Int
    let rate: Int
    let logger: Logger = {
        var logger = Logger(label: "patchbay.bench")
        logger.logLevel = .critical
        return logger
    }()

    static let secret = "bench-github-secret"

    func run() async throws {
        let receiver = BenchReceiver()
        let (receiverPorts, receiverReady) = AsyncStream<Int>.makeStream()
        let client = LoadGenerator.client(connectionsPerHost: 64)
        let bench = try await BenchStore.open(logger: logger, allowPrivateTargets: true)
        defer { bench.remove() }
        let (store, configuration) = (bench.store, bench.configuration)
        let (apiPorts, apiReady) = AsyncStream<Int>.makeStream()
        let app = PatchbayServer.buildApplication(
            configuration: configuration, store: store, logger: logger, onServerRunning: { apiReady.yield($0) })

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await receiver.application(logger: logger, ready: receiverReady).runService() }
            group.addTask { try await app.runService() }
            var receiverIterator = receiverPorts.makeAsyncIterator()
            var apiIterator = apiPorts.makeAsyncIterator()
            guard let receiverPort = await receiverIterator.next(), let apiPort = await apiIterator.next() else { return }
            let hook = "http://127.0.0.1:\(receiverPort)/hook"
            let api = BenchAPI(client: client, base: "http://127.0.0.1:\(apiPort)", token: configuration.adminToken ?? "")
            _ = try await api.post("/v1/event-types", #"{"name":"bench.inbound"}"#)
            let org = try await api.post("/v1/organizations", #"{"name":"Bench"}"#)["id"]?.stringValue ?? ""
            _ = try await api.post(
                "/v1/organizations/\(org)/webhooks", #"{"name":"Out","url":"\#(hook)","eventTypes":["bench.inbound"]}"#)
            let inbound = try await api.post(
                "/v1/organizations/\(org)/inbound-webhooks",
                #"{"name":"GitHub","eventType":"bench.inbound","verification":{"scheme":"github","secret":"\#(Self.secret)"}}"#)
            let url = "http://127.0.0.1:\(apiPort)" + (inbound["url"]?.stringValue ?? "")

            say("PatchbayBench inbound — SQLite (WAL), Patchbay with its delivery worker and the receiver in one process")
            receiver.reset(recordLatency: false)
            let ceiling = await LoadGenerator(client: client, connections: connections, duration: .seconds(seconds)).run { _, _ in
                .init(method: .POST, url: hook, headers: [("Content-Type", "application/json")], body: WebhooksScenario.sampleBody)
            }
            say(
                String(
                    format: "ceiling: trivial route, same generator, %d connections: %.0f POST/s (p50 %.2f ms, p99 %.2f ms)", connections,
                    ceiling.throughput, ceiling.percentile(0.5), ceiling.percentile(0.99)))

            // The nearest path Patchbay already had: authenticated single-event publishes, also stored with their deliveries.
            receiver.reset(recordLatency: false)
            let publishURL = "http://127.0.0.1:\(apiPort)/v1/organizations/\(org)/events"
            let bearer = "Bearer \(configuration.adminToken ?? "")"
            let publishes = await LoadGenerator(client: client, connections: connections, duration: .seconds(seconds)).run { worker, iteration in
                .init(
                    method: .POST, url: publishURL,
                    headers: [("Content-Type", "application/json"), ("Authorization", bearer)],
                    body: #"{"type":"bench.inbound","data":{"action":"opened","number":\#(worker * 10_000_000 + iteration)}}"#)
            }
            say(
                String(
                    format: "baseline: POST …/events (bearer token, one event each), %d connections: %.0f req/s (p50 %.2f ms, p99 %.2f ms)",
                    connections, publishes.throughput, publishes.percentile(0.5), publishes.percentile(0.99)))
            let settle = ContinuousClock.now + .seconds(60)
            while receiver.events < publishes.requests - publishes.failures, ContinuousClock.now < settle {
                try await Task.sleep(for: .milliseconds(20))
            }

            receiver.reset(recordLatency: false)
            let residentBefore = ProcessMemory.residentMB
            ProcessMemory.resetPeak()
            let verified = await LoadGenerator(client: client, connections: connections, duration: .seconds(seconds)).run { worker, iteration in
                Self.request(url: url, number: worker * 10_000_000 + iteration, stamped: false)
            }
            let stored = try await store.driver.query("SELECT COUNT(*) AS n FROM inbound_requests").first?.int("n") ?? 0
            say(
                String(
                    format:
                        "verified inbound, GitHub HMAC, %d connections, %d s: %.0f req/s stored with their events (%.0f%% of the ceiling, %.0f%% of the baseline), ack p50 %.2f ms, p99 %.2f ms, failures %d",
                    connections, seconds, verified.throughput, verified.throughput / ceiling.throughput * 100,
                    verified.throughput / publishes.throughput * 100, verified.percentile(0.5),
                    verified.percentile(0.99), verified.failures))
            say(
                String(
                    format: "  rows stored: %d inbound requests; memory %.0f MB resident before, %.0f MB peak", stored, residentBefore,
                    ProcessMemory.peakMB))
            let drainStart = ContinuousClock.now
            while receiver.events < Int(stored), ContinuousClock.now.seconds(since: drainStart) < 300 { try await Task.sleep(for: .milliseconds(20)) }
            say(
                String(
                    format: "  their events reached the outbound receiver: %d (the worker finished %.1f s after the load stopped)", receiver.events,
                    ContinuousClock.now.seconds(since: drainStart)))

            // Open loop: each request leaves at its scheduled time, stamped, so the receiver measures post → receipt.
            try await offer(url: url, client: client, receiver: receiver, seconds: 1, record: false)
            let (sent, acks) = try await offer(url: url, client: client, receiver: receiver, seconds: seconds, record: true)
            let deadline = ContinuousClock.now + .seconds(10)
            while receiver.events < sent, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            let latencies = receiver.takeLatencies().sorted()
            say(
                String(
                    format:
                        "inbound → outbound at %d req/s for %d s: sent %d, received %d; p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms; ack p50 %.2f ms, p99 %.2f ms",
                    rate, seconds, sent, latencies.count, WebhooksScenario.percentile(latencies, 0.5), WebhooksScenario.percentile(latencies, 0.95),
                    WebhooksScenario.percentile(latencies, 0.99), latencies.last ?? .nan, WebhooksScenario.percentile(acks, 0.5),
                    WebhooksScenario.percentile(acks, 0.99)))
            group.cancelAll()
        }
        try await client.shutdown()
    }

    /// A GitHub-style delivery: its own `X-GitHub-Delivery` and `X-Hub-Signature-256` over the exact body.
    static func request(url: String, number: Int, stamped: Bool) -> LoadGenerator.Request {
        let stamp = stamped ? #""sentAt":\#(Int(Date().timeIntervalSince1970 * 1_000_000)),"# : ""
        let body =
            #"{\#(stamp)"action":"opened","number":\#(number),"issue":{"title":"Bench issue \#(number)","user":{"login":"octocat"}}}"#
        let signature = HMAC<SHA256>.authenticationCode(for: Array(body.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return .init(
            method: .POST, url: url,
            headers: [
                ("Content-Type", "application/json"), ("X-GitHub-Event", "issues"), ("X-GitHub-Delivery", UUID().uuidString),
                ("X-Hub-Signature-256", "sha256=" + TokenSecret.hex(Array(signature))),
            ],
            body: body)
    }

    /// Posts stamped requests at `rate` per second for `seconds`; returns how many were acknowledged and their
    /// acknowledgement latencies (ms), sorted.
    @discardableResult
    private func offer(url: String, client: HTTPClient, receiver: BenchReceiver, seconds: Int, record: Bool) async throws -> (Int, [Double]) {
        receiver.reset(recordLatency: record)
        let interval = Duration.nanoseconds(1_000_000_000 / Int64(rate))
        let start = ContinuousClock.now
        return try await withThrowingTaskGroup(of: Double?.self) { group in
            for number in 0..<(rate * seconds) {
                try await Task.sleep(until: start + interval * number, clock: .continuous)
                group.addTask {
                    let spec = Self.request(url: url, number: number, stamped: true)
                    var request = HTTPClientRequest(url: spec.url)
                    request.method = .POST
                    for (name, value) in spec.headers { request.headers.add(name: name, value: value) }
                    request.body = .bytes(ByteBuffer(string: spec.body ?? ""))
                    let sent = ContinuousClock.now
                    let response = try await client.execute(request, timeout: .seconds(30))
                    _ = try await response.body.collect(upTo: 1 << 20)
                    return response.status.code == 200 ? ContinuousClock.now.seconds(since: sent) * 1000 : nil
                }
            }
            var acks: [Double] = []
            for try await ack in group { if let ack { acks.append(ack) } }
            return (acks.count, acks.sorted())
        }
    }
}
