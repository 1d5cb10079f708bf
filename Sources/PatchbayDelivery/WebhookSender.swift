import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import PatchbayCore
import Synchronization

/// What one attempt did, as stored in the delivery history.
public struct AttemptOutcome: Sendable {
    public typealias Result = DeliveryAttempt.Result

    public var result: Result
    public var statusCode: Int?
    public var sentAt: Int64
    public var durationMs: Int
    public var url: String
    public var requestHeaders: [String: String]
    public var requestBody: String
    public var responseHeaders: [String: String]
    public var responseBody: String?
    public var error: String?
    /// The receiver's `Retry-After`, as a delay.
    public var retryAfterMillis: Int64?

    /// The history record of this outcome.
    public func attempt(deliveryId: String) -> DeliveryAttempt {
        DeliveryAttempt(
            id: Identifier.make(.attempt, nowMillis: sentAt), deliveryId: deliveryId, sentAt: sentAt, url: url, statusCode: statusCode,
            result: result, durationMs: durationMs, requestHeaders: requestHeaders, requestBody: requestBody, responseHeaders: responseHeaders,
            responseBody: responseBody, error: error
        )
    }
}

/// The one guarded way out for webhook traffic. Every send resolves the host, refuses it when any address is not
/// allowed by the `AddressPolicy`, and connects to the checked address (the client maps the host to that IP, so a
/// second DNS answer cannot differ). Redirects are never followed. TLS still verifies the host name.
public final class WebhookSender: Sendable {
    public struct Configuration: Sendable {
        public var connectTimeout: TimeAmount = .seconds(5)
        public var totalTimeout: TimeAmount = .seconds(15)
        /// Response bodies are stored up to this size.
        public var maxResponseBytes = 64 * 1024
        public var maxCachedClients = 256

        public init() {}
    }

    private struct ClientKey: Hashable {
        var host: String
        var address: String
        var verifyTls: Bool
    }

    private let policy: AddressPolicy
    private let resolver: any HostResolver
    private let configuration: Configuration
    private let clock: any TimeSource
    private let clients = Mutex<[ClientKey: HTTPClient]>([:])

    public init(
        policy: AddressPolicy, resolver: any HostResolver = SystemHostResolver(), configuration: Configuration = .init(), clock: any TimeSource
    ) {
        self.policy = policy
        self.resolver = resolver
        self.configuration = configuration
        self.clock = clock
    }

    /// Closes every pooled connection.
    public func shutdown() async {
        let all = clients.withLock { clients in
            defer { clients.removeAll() }
            return Array(clients.values)
        }
        for client in all { try? await client.shutdown() }
    }

    /// Sends `request`; never throws: every failure becomes an outcome to record.
    public func send(_ request: WebhookRequest, verifyTls: Bool) async -> AttemptOutcome {
        let sentAt = clock.nowMillis
        let start = ContinuousClock.now
        var outcome = AttemptOutcome(
            result: .error, statusCode: nil, sentAt: sentAt, durationMs: 0, url: request.url, requestHeaders: request.recordedHeaders,
            requestBody: String(decoding: request.body, as: UTF8.self), responseHeaders: [:], responseBody: nil, error: nil, retryAfterMillis: nil
        )
        do {
            let client = try await pinnedClient(for: request.url, verifyTls: verifyTls)
            var httpRequest = HTTPClientRequest(url: request.url)
            httpRequest.method = .POST
            for (name, value) in request.headers { httpRequest.headers.add(name: name, value: value) }
            httpRequest.body = .bytes(ByteBuffer(bytes: request.body))
            let response = try await client.execute(httpRequest, timeout: configuration.totalTimeout)
            outcome.statusCode = Int(response.status.code)
            outcome.responseHeaders = Dictionary(
                response.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { first, second in first + ", " + second })
            outcome.retryAfterMillis = response.headers.first(name: "retry-after").flatMap { RetryPolicy.retryAfterMillis($0, now: sentAt) }
            var collected: [UInt8] = []
            for try await chunk in response.body {
                collected.append(contentsOf: chunk.readableBytesView.prefix(configuration.maxResponseBytes - collected.count))
                if collected.count >= configuration.maxResponseBytes { break }
            }
            outcome.responseBody = String(decoding: collected, as: UTF8.self)
            outcome.result = (200..<300).contains(response.status.code) ? .success : .httpError
        } catch let error as DeliveryError {
            outcome.error = error.description
        } catch let error as HTTPClientError where [.deadlineExceeded, .connectTimeout, .readTimeout, .writeTimeout].contains(error) {
            outcome.result = .timeout
            outcome.error = "timed out (\(error))"
        } catch {
            outcome.error = Self.describe(error)
        }
        let elapsed = ContinuousClock.now - start
        outcome.durationMs = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        return outcome
    }

    /// Resolves and checks the URL's host, then returns a client whose connections go to the checked address.
    private func pinnedClient(for url: String, verifyTls: Bool) async throws -> HTTPClient {
        if let problem = policy.urlProblem(url) { throw DeliveryError.forbiddenTarget(problem) }
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            throw DeliveryError.invalidURL("no host")
        }
        let addresses = try await resolver.resolve(host)
        for address in addresses {
            if let restriction = policy.restriction(of: address) {
                throw DeliveryError.forbiddenTarget("\(host) resolves to a \(restriction.rawValue) address (\(address))")
            }
        }
        guard let address = addresses.first else { throw DeliveryError.resolution(host: host, reason: "no addresses") }
        let key = ClientKey(host: host, address: address.description, verifyTls: verifyTls)
        let (client, evicted) = clients.withLock { clients -> (HTTPClient, HTTPClient?) in
            if let existing = clients[key] { return (existing, nil) }
            var evicted: HTTPClient?
            if clients.count >= configuration.maxCachedClients, let victim = clients.keys.first {
                evicted = clients.removeValue(forKey: victim)
            }
            let created = makeClient(host: host, address: address.description, verifyTls: verifyTls)
            clients[key] = created
            return (created, evicted)
        }
        if let evicted { try? await evicted.shutdown() }
        return client
    }

    private func makeClient(host: String, address: String, verifyTls: Bool) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: self.configuration.connectTimeout, read: self.configuration.totalTimeout)
        configuration.decompression = .disabled
        configuration.dnsOverride = [host: address]
        // Several webhooks may share a host; the worker bounds each one, so the pool must not queue one behind another's hang.
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 1024
        if !verifyTls {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            configuration.tlsConfiguration = tls
        }
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        if let error = error as? NIOSSLError { return "TLS: \(error)" }
        if let error = error as? NIOConnectionError { return "connection failed: \(error)" }
        return String(describing: error).prefix(500).description
    }
}
