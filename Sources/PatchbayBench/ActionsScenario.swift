import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import PatchbayApp
import PatchbayConnectors
import PatchbayCore
import PatchbayDelivery
import PatchbayServices
import PatchbayStorage

/// `PatchbayBench actions [--iterations N]`: what a connector run costs over calling the API directly. A local API
/// answers `GET /items/{id}` with a small JSON document; the same request is made, one at a time, (1) directly with
/// AsyncHTTPClient, (2) through the action runner (input validation, request building, API-key auth, the guarded
/// client, response parsing) and (3) through Patchbay's HTTP API (`POST …/actions/{act}/run`: token auth and the
/// database lookups on top). The overhead is the difference of the percentiles.
struct ActionsScenario {
    let iterations: Int

    func run() async throws {
        var logger = Logger(label: "patchbay.bench")
        logger.logLevel = .critical
        let bench = try await BenchStore.open(logger: logger, allowPrivateTargets: true, runsDeliveries: false)
        defer { bench.remove() }
        let (store, configuration) = (bench.store, bench.configuration)
        let (patchbayPorts, patchbayReady) = AsyncStream<Int>.makeStream()
        let patchbay = PatchbayServer.buildApplication(
            configuration: configuration, store: store, logger: logger, onServerRunning: { patchbayReady.yield($0) })

        let router = Router()
        router.get("/items/{id}") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            let body =
                #"{"id":"\#(id)","name":"Widget","price":12.5,"tags":["a","b","c"],"verbose":\#(request.uri.queryParameters["verbose"] ?? "false")}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        let (apiPorts, apiReady) = AsyncStream<Int>.makeStream()
        let target = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { apiReady.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await patchbay.runService() }
            group.addTask { try await target.runService() }
            var patchbayIterator = patchbayPorts.makeAsyncIterator()
            var apiIterator = apiPorts.makeAsyncIterator()
            guard let patchbayPort = await patchbayIterator.next(), let apiPort = await apiIterator.next() else { return }
            try await measure(
                store: store, client: client, apiPort: apiPort, patchbayPort: patchbayPort, admin: configuration.adminToken ?? "", logger: logger)
            group.cancelAll()
        }
        try await client.shutdown()
    }

    private func measure(store: Store, client: HTTPClient, apiPort: Int, patchbayPort: Int, admin: String, logger: Logger) async throws {
        let seeded = try await Self.seed(store, client: client, patchbay: "http://127.0.0.1:\(patchbayPort)", admin: admin, apiPort: apiPort)
        let guarded = GuardedHTTPClient(policy: AddressPolicy(allowPrivateTargets: true))
        let connectors = Connectors(store: store, client: guarded, clock: SystemTimeSource(), logger: logger)
        let input = ActionInput(parameters: ["id": "42", "verbose": true])
        let url = "http://127.0.0.1:\(apiPort)/items/42?verbose=true"

        let direct: @Sendable () async throws -> Void = {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "X-Api-Key", value: "bench-key")
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok, body.readableBytes > 0 else { throw BenchFailure("direct call answered \(response.status)") }
        }
        let runner: @Sendable () async throws -> Void = {
            let credentials = try await store.installations.secrets(of: seeded.installation.id)?.credentials ?? .init()
            let result = try await connectors.runner.run(
                seeded.action.definition, api: seeded.api, installation: seeded.installation, credentials: credentials,
                request: ActionRunRequest(input: input))
            guard result.status == 200 else { throw BenchFailure("run answered \(result.status)") }
        }
        // The same run with the credentials read once: what the database read adds to each run.
        let preloaded = try await store.installations.secrets(of: seeded.installation.id)?.credentials ?? .init()
        let runnerOnly: @Sendable () async throws -> Void = {
            let result = try await connectors.runner.run(
                seeded.action.definition, api: seeded.api, installation: seeded.installation, credentials: preloaded,
                request: ActionRunRequest(input: input))
            guard result.status == 200 else { throw BenchFailure("run answered \(result.status)") }
        }
        // The run endpoint's own work without HTTP: the service reads organization, installation, action and API
        // settings, checks access, then runs.
        let sender = WebhookSender(policy: AddressPolicy(allowPrivateTargets: true), clock: SystemTimeSource())
        let services = Services(
            store: store, clock: SystemTimeSource(), addressPolicy: AddressPolicy(allowPrivateTargets: true),
            handshake: WebhookHandshake(sender: sender, store: store, clock: SystemTimeSource()),
            caller: EndpointCaller(sender: sender, clock: SystemTimeSource()), connectors: connectors, environmentAdminToken: admin)
        let principal = Principal.admin(tokenId: nil)
        let viaService: @Sendable () async throws -> Void = {
            let result = try await services.installations.run(
                seeded.action.id, installation: seeded.installation.id, organizationId: seeded.installation.organizationId,
                InstallationService.RunInput(input: input), by: principal)
            guard result.status == 200 else { throw BenchFailure("run answered \(result.status)") }
        }
        // HTTP, token auth and one read: the floor under any authenticated call.
        let organizationURL = "http://127.0.0.1:\(patchbayPort)/v1/organizations/\(seeded.installation.organizationId)"
        let readOverHTTP: @Sendable () async throws -> Void = {
            var request = HTTPClientRequest(url: organizationURL)
            request.headers.add(name: "Authorization", value: "Bearer \(admin)")
            let response = try await client.execute(request, timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else { throw BenchFailure("GET organization answered \(response.status)") }
        }
        let runURL =
            "http://127.0.0.1:\(patchbayPort)/v1/organizations/\(seeded.installation.organizationId)/installations/\(seeded.installation.id)/actions/\(seeded.action.id)/run"
        let overHTTP: @Sendable () async throws -> Void = {
            var request = HTTPClientRequest(url: runURL)
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(admin)")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: #"{"parameters":{"id":"42","verbose":true}}"#))
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else { throw BenchFailure("POST …/run answered \(response.status): \(String(buffer: body))") }
        }

        let warmup = min(1000, max(100, iterations / 5))
        let paths = [direct, runner, runnerOnly, viaService, readOverHTTP, overHTTP]
        for work in paths { _ = try await Self.time(warmup, work) }
        // Interleaved rounds, so drift (CPU frequency, the allocator) spreads over all paths alike.
        var samples: [[Double]] = paths.map { _ in [] }
        let rounds = 50
        for _ in 0..<rounds {
            for (index, work) in paths.enumerated() {
                samples[index] += try await Self.time(iterations / rounds, work)
            }
        }
        let sorted = samples.map { $0.sorted() }
        func percentile(_ values: [Double], _ fraction: Double) -> Double { values[min(values.count - 1, Int(Double(values.count) * fraction))] }
        print("PatchbayBench actions — \(iterations) sequential calls each (after \(warmup) warm-up), one process, SQLite, loopback API")
        print("path                                                 p50 ms   p90 ms   p99 ms   calls/s")
        let names = [
            "direct GET (AsyncHTTPClient)", "action runner (validate, build, auth, guarded send)", "  the same, credentials already read",
            "the run endpoint's service call (reads, checks, run)", "GET /v1/organizations/{org} (HTTP, token auth)",
            "POST …/actions/{act}/run (HTTP API, token auth)",
        ]
        for (index, values) in sorted.enumerated() {
            let total = values.reduce(0, +)
            print(
                names[index].padding(toLength: 52, withPad: " ", startingAt: 0)
                    + String(
                        format: " %7.3f  %7.3f  %7.3f  %8.0f", percentile(values, 0.5), percentile(values, 0.9), percentile(values, 0.99),
                        Double(values.count) / total * 1000))
        }
        print(
            String(
                format: "overhead of a run over the direct call: p50 %.3f ms, p99 %.3f ms (target: p50 < 0.5 ms)",
                percentile(sorted[1], 0.5) - percentile(sorted[0], 0.5), percentile(sorted[1], 0.99) - percentile(sorted[0], 0.99)))
        print(
            String(
                format: "overhead through the HTTP API:          p50 %.3f ms, p99 %.3f ms",
                percentile(sorted[5], 0.5) - percentile(sorted[0], 0.5), percentile(sorted[5], 0.99) - percentile(sorted[0], 0.99)))
        print(
            String(
                format: "the run over HTTP over the library call:  p50 %.3f ms (target: < 0.5 ms); of which the service's reads %.3f ms",
                percentile(sorted[5], 0.5) - percentile(sorted[1], 0.5), percentile(sorted[3], 0.5) - percentile(sorted[1], 0.5)))
        // The answer's encoding alone, the run endpoint's last step: the streaming encoder against JSONEncoder.
        let answer = try await connectors.runner.run(
            seeded.action.definition, api: seeded.api, installation: seeded.installation, credentials: preloaded,
            request: ActionRunRequest(input: input))
        let foundation = JSONEncoder()
        foundation.outputFormatting = [.withoutEscapingSlashes]
        let encodings = 20_000
        let clock = ContinuousClock()
        var streamedBytes = 0
        let streamingStart = clock.now
        for _ in 0..<encodings { streamedBytes += try StreamingJSONEncoder.encode(answer)?.count ?? 0 }
        let streaming = clock.now - streamingStart
        let foundationStart = clock.now
        for _ in 0..<encodings { _ = try foundation.encode(answer) }
        let foundationTime = clock.now - foundationStart
        guard streamedBytes > 0 else { throw BenchFailure("the streaming encoder stepped aside for the run's answer") }
        print(
            String(
                format: "encoding the run's answer (%d bytes): streaming %.1f µs, JSONEncoder %.1f µs", streamedBytes / encodings,
                OpenAPIScenario.ms(streaming) * 1000 / Double(encodings), OpenAPIScenario.ms(foundationTime) * 1000 / Double(encodings)))
        print(String(format: "memory: resident %.0f MB, peak %.0f MB", ProcessMemory.residentMB, ProcessMemory.peakMB))
        await guarded.shutdown()
        await sender.shutdown()
    }

    /// Milliseconds per call of `count` sequential calls.
    static func time(_ count: Int, _ work: @Sendable () async throws -> Void) async throws -> [Double] {
        var values: [Double] = []
        values.reserveCapacity(count)
        let clock = ContinuousClock()
        for _ in 0..<count {
            let start = clock.now
            try await work()
            values.append(OpenAPIScenario.ms(clock.now - start))
        }
        return values
    }

    struct Seeded {
        var installation: Installation
        var action: Action
        var api: IntegrationAPI
    }

    /// Through the API itself, as a user would: an organization, an integration with API-key auth and one action
    /// (`GET /items/{id}?verbose=`), finalized and installed. What the runner needs is then read back from the store.
    static func seed(_ store: Store, client: HTTPClient, patchbay: String, admin: String, apiPort: Int) async throws -> Seeded {
        func post(_ path: String, _ body: String, method: HTTPMethod = .POST) async throws -> JSONValue {
            try await APIScenario.post(client, patchbay + path, token: admin, body: body, method: method)
        }
        let org = try await post("/v1/organizations", #"{"name":"Bench"}"#)["id"]?.stringValue ?? ""
        let integration = try await post("/v1/organizations/\(org)/integrations", #"{"name":"Bench API"}"#)["id"]?.stringValue ?? ""
        let base = "/v1/organizations/\(org)/integrations/\(integration)"
        let api =
            #"{"api":{"baseUrl":"http://127.0.0.1:\#(apiPort)","auth":{"type":"apiKey","headerName":"X-Api-Key"},"pagination":{"type":"none"}}}"#
        _ = try await post(base, api, method: .PATCH)
        let action = #"""
            {"name":"Get Item","operationId":"getItem","method":"GET","path":"/items/{id}","responseSchema":{"type":"object"},
             "parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string","minLength":1}},
                           {"name":"verbose","in":"query","required":false,"schema":{"type":"boolean"}}]}
            """#
        let actionId = try await post(base + "/actions", action)["id"]?.stringValue ?? ""
        _ = try await post(base + "/finalize", "{}")
        let installationId = try await post(base + "/installations", #"{"credentials":{"apiKey":"bench-key"}}"#)["id"]?.stringValue ?? ""
        guard let installation = try await store.installations.find(id: installationId),
            let found = try await store.actions.find(id: actionId, integrationId: integration),
            let settings = try await store.actions.api(integrationId: integration)
        else { throw BenchFailure("the set-up through the API left nothing to run") }
        return Seeded(installation: installation, action: found, api: settings)
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
