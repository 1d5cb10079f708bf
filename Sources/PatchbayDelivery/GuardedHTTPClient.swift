import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import PatchbayCore
import Synchronization

/// A response as the guarded client read it: the body is cut at the caller's cap, and `truncated` says so.
public struct OutboundResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var truncated: Bool

    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    /// Headers by lower-cased name, repeated ones joined with ", " (for history records and run results).
    public var headerDictionary: [String: String] {
        Dictionary(headers.map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { first, second in first + ", " + second })
    }
}

/// The one guarded way out for all outbound traffic: webhooks, OAuth token requests and action runs. Every request
/// resolves the host, is refused when any address is not allowed by the `AddressPolicy`, and connects to the
/// checked address (the client maps the host to that IP, so a second DNS answer cannot differ). Redirects are
/// never followed. TLS still verifies the host name.
public final class GuardedHTTPClient: Sendable {
    public struct Configuration: Sendable {
        public var connectTimeout: TimeAmount = .seconds(5)
        public var readTimeout: TimeAmount = .seconds(30)
        public var maxCachedClients = 256
        /// How long a checked URL's client is reused without checking and resolving the URL again.
        public var checkedURLLifetime: Duration = .seconds(1)

        public init() {}
    }

    private struct ClientKey: Hashable {
        var host: String
        var address: String
        var verifyTls: Bool
    }

    public let policy: AddressPolicy
    private let resolver: any HostResolver
    private let configuration: Configuration
    /// The pinned clients, by host and checked address, and the checked URLs' clients for a second: a busy webhook
    /// sends thousands of requests a second to one URL, and parsing, checking and resolving it for each was a
    /// twentieth of a delivery's time. Only allowed answers are kept, and the client still connects to the address
    /// that was checked. One lock for both, so an evicted client leaves the URL cache in the same step.
    private let pool = Mutex(Pool())

    private struct Pool {
        var clients: [ClientKey: HTTPClient] = [:]
        var checked: [CheckedKey: (client: HTTPClient, until: ContinuousClock.Instant)] = [:]
    }

    private struct CheckedKey: Hashable {
        var url: String
        var verifyTls: Bool
    }

    public init(policy: AddressPolicy, resolver: any HostResolver = SystemHostResolver(), configuration: Configuration = .init()) {
        self.policy = policy
        self.resolver = resolver
        self.configuration = configuration
    }

    /// Closes every pooled connection.
    public func shutdown() async {
        let all = pool.withLock { pool in
            defer { pool = Pool() }
            return Array(pool.clients.values)
        }
        for client in all { try? await client.shutdown() }
    }

    /// Sends `request` and reads at most `maxResponseBytes` of the answer. Throws `DeliveryError` when the guard
    /// refuses the target, and the HTTP client's errors (timeouts, connection failures) otherwise.
    public func execute(_ request: OutboundRequest, timeout: TimeAmount, maxResponseBytes: Int, verifyTls: Bool = true) async throws
        -> OutboundResponse
    {
        let client = try await pinnedClient(for: request.url, verifyTls: verifyTls)
        var httpRequest = HTTPClientRequest(url: request.url)
        httpRequest.method = HTTPMethod(rawValue: request.method)
        for header in request.headers { httpRequest.headers.add(name: header.name, value: header.value) }
        if !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method) {
            httpRequest.body = .bytes(ByteBuffer(bytes: request.body))
        }
        let response = try await client.execute(httpRequest, timeout: timeout)
        var collected: [UInt8] = []
        var truncated = false
        for try await chunk in response.body {
            let room = maxResponseBytes - collected.count
            if chunk.readableBytes > room {
                collected.append(contentsOf: chunk.readableBytesView.prefix(room))
                truncated = true
                break
            }
            collected.append(contentsOf: chunk.readableBytesView)
        }
        return OutboundResponse(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: collected, truncated: truncated)
    }

    /// Resolves and checks the URL's host, then returns a client whose connections go to the checked address.
    private func pinnedClient(for url: String, verifyTls: Bool) async throws -> HTTPClient {
        let now = ContinuousClock.now
        let checkedKey = CheckedKey(url: url, verifyTls: verifyTls)
        if let known = pool.withLock({ $0.checked[checkedKey] }), known.until > now { return known.client }
        if let problem = policy.urlProblem(url) { throw DeliveryError.forbiddenTarget(problem) }
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            throw DeliveryError.invalidURL("no host")
        }
        let addresses = try await resolver.resolve(host)
        for address in addresses {
            if let restriction = policy.restriction(of: address) {
                // The rule, never the address: a tenant must not learn the internal network's layout from the refusal.
                throw DeliveryError.forbiddenTarget("\(host) resolves to a \(restriction.rawValue) address")
            }
        }
        guard let address = addresses.first else { throw DeliveryError.resolution(host: host, reason: "no addresses") }
        let key = ClientKey(host: host, address: address.description, verifyTls: verifyTls)
        let (client, evicted) = pool.withLock { pool -> (HTTPClient, HTTPClient?) in
            var evicted: HTTPClient?
            let client: HTTPClient
            if let existing = pool.clients[key] {
                client = existing
            } else {
                if pool.clients.count >= configuration.maxCachedClients, let victim = pool.clients.keys.first {
                    let removed = pool.clients.removeValue(forKey: victim)
                    pool.checked = pool.checked.filter { $0.value.client !== removed }
                    evicted = removed
                }
                client = makeClient(host: host, address: address.description, verifyTls: verifyTls)
                pool.clients[key] = client
            }
            if pool.checked.count >= 4096 { pool.checked.removeAll(keepingCapacity: true) }
            pool.checked[checkedKey] = (client, now + configuration.checkedURLLifetime)
            return (client, evicted)
        }
        if let evicted { try? await evicted.shutdown() }
        return client
    }

    private func makeClient(host: String, address: String, verifyTls: Bool) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: self.configuration.connectTimeout, read: self.configuration.readTimeout)
        configuration.decompression = .disabled
        configuration.dnsOverride = [host: address]
        // No spans: nothing here reads them, and building them cost a fortieth of a delivery.
        configuration.tracing.tracer = nil
        // Several webhooks or runs may share a host; each request is bounded, so the pool must not queue one behind another's hang.
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 1024
        if !verifyTls {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            configuration.tlsConfiguration = tls
        }
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// A failure as text that is safe to store and show.
    public static func describe(_ error: any Error) -> String {
        if let error = error as? DeliveryError { return error.description }
        if let error = error as? HTTPClientError { return "\(error)" }
        if let error = error as? NIOSSLError { return "TLS: \(error)" }
        if let error = error as? NIOConnectionError { return "connection failed: \(error)" }
        return String(describing: error).prefix(500).description
    }

    public static func isTimeout(_ error: any Error) -> Bool {
        guard let error = error as? HTTPClientError else { return false }
        return [.deadlineExceeded, .connectTimeout, .readTimeout, .writeTimeout].contains(error)
    }
}
