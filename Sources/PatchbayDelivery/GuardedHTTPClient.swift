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

    /// A header name in lower case; most already are, and lower-casing a long one allocates.
    static func lowercased(_ name: String) -> String {
        name.utf8.contains { (0x41...0x5A).contains($0) } ? name.lowercased() : name
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    /// Headers by lower-cased name, repeated ones joined with ", " (for history records and run results).
    public var headerDictionary: [String: String] {
        var result: [String: String] = [:]
        result.reserveCapacity(headers.count)
        for (name, value) in headers {
            let key = Self.lowercased(name)
            if let first = result[key] { result[key] = first + ", " + value } else { result[key] = value }
        }
        return result
    }
}

/// The one guarded way out for all outbound traffic: webhooks, OAuth token requests and action runs. Every request
/// resolves the host, is refused when any address is not allowed by the `AddressPolicy`, and connects to the
/// checked address itself (`PinnedTransport` never resolves a name, so a second DNS answer cannot differ).
/// Redirects are never followed. TLS still verifies the host name.
public final class GuardedHTTPClient: Sendable {
    public struct Configuration: Sendable {
        public var connectTimeout: TimeAmount = .seconds(5)
        /// How many targets (host and checked address) keep connections open.
        public var maxCachedClients = 256
        /// How long a checked URL is reused without checking and resolving it again.
        public var checkedURLLifetime: Duration = .seconds(1)

        public init() {}
    }

    public let policy: AddressPolicy
    private let resolver: any HostResolver
    private let configuration: Configuration
    private let transport: PinnedTransport
    /// The checked URLs, kept for a second: a busy webhook sends thousands of requests a second to one URL, and
    /// parsing, checking and resolving it for each was a twentieth of a delivery's time. Only allowed answers are
    /// kept, and requests still go to the address that was checked.
    private let checked = Mutex(CheckedURLs())

    private struct CheckedURLs {
        var byURL: [CheckedKey: (route: Route, until: ContinuousClock.Instant)] = [:]
        /// Distinct targets seen, bounded by `maxCachedClients`; a target pushed out takes its connections and
        /// checked URLs with it.
        var targets: Set<PinnedTarget> = []
    }

    private struct CheckedKey: Hashable {
        var url: String
        var verifyTls: Bool
    }

    /// A checked URL: where to connect and what to ask for.
    private struct Route: Sendable {
        var target: PinnedTarget
        var requestTarget: String
        /// The target's `Host` header, made once per checked URL rather than once per request.
        var hostHeader: String
    }

    public init(policy: AddressPolicy, resolver: any HostResolver = SystemHostResolver(), configuration: Configuration = .init()) {
        self.policy = policy
        self.resolver = resolver
        self.configuration = configuration
        var transportConfiguration = PinnedTransport.Configuration()
        transportConfiguration.connectTimeout = configuration.connectTimeout
        transportConfiguration.maxTargets = configuration.maxCachedClients
        self.transport = PinnedTransport(configuration: transportConfiguration)
    }

    /// Closes every pooled connection.
    public func shutdown() async {
        checked.withLock { $0 = CheckedURLs() }
        await transport.shutdown()
    }

    /// Sends `request` and reads at most `maxResponseBytes` of the answer. Throws `DeliveryError` when the guard
    /// refuses the target, and transport errors (timeouts, connection and TLS failures) otherwise.
    public func execute(_ request: OutboundRequest, timeout: TimeAmount, maxResponseBytes: Int, verifyTls: Bool = true) async throws
        -> OutboundResponse
    {
        let deadline = NIODeadline.now() + timeout
        let route = try await route(for: request.url, verifyTls: verifyTls)
        var headers = HTTPHeaders()
        headers.reserveCapacity(request.headers.count + 2)
        headers.add(name: "Host", value: route.hostHeader)
        for header in request.headers where !Self.isTransportHeader(header.name) {
            headers.add(name: header.name, value: header.value)
        }
        var body: ByteBuffer?
        if !request.body.isEmpty || Self.sendsBody(request.method) {
            headers.add(name: "Content-Length", value: String(request.body.count))
            body = request.body.isEmpty ? nil : ByteBuffer(bytes: request.body)
        }
        let head = HTTPRequestHead(
            version: .http1_1, method: HTTPMethod(rawValue: request.method), uri: route.requestTarget, headers: headers)
        return try await transport.exchange(
            target: route.target, head: head, body: body, deadline: deadline, maxResponseBytes: max(0, maxResponseBytes))
    }

    /// Methods whose requests carry a `Content-Length` even when empty.
    private static func sendsBody(_ method: String) -> Bool {
        switch method {
        case "POST", "PUT", "PATCH": return true
        default: return false
        }
    }

    /// Headers the transport writes itself; a caller's copies would contradict them.
    private static let transportHeaders: Set<String> = ["host", "content-length", "transfer-encoding", "connection"]

    /// Lower-cases only names of a transport header's length: every request carries half a dozen other headers.
    private static func isTransportHeader(_ name: String) -> Bool {
        switch name.utf8.count {
        case 4, 10, 14, 17: return transportHeaders.contains(name.lowercased())
        default: return false
        }
    }

    /// Resolves and checks the URL's host, and says where to connect: always the checked address.
    private func route(for url: String, verifyTls: Bool) async throws -> Route {
        let now = ContinuousClock.now
        let checkedKey = CheckedKey(url: url, verifyTls: verifyTls)
        if let known = checked.withLock({ $0.byURL[checkedKey] }), known.until > now { return known.route }
        if let problem = policy.urlProblem(url) { throw DeliveryError.forbiddenTarget(problem) }
        guard let components = URLComponents(string: url), var host = components.percentEncodedHost, !host.isEmpty,
            let scheme = components.scheme?.lowercased()
        else {
            throw DeliveryError.invalidURL("no host")
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let tls = scheme == "https"
        let port = components.port ?? (tls ? 443 : 80)
        guard (1...65535).contains(port) else { throw DeliveryError.invalidURL("invalid port") }
        let addresses = try await resolver.resolve(host)
        for address in addresses {
            if let restriction = policy.restriction(of: address) {
                // The rule, never the address: a tenant must not learn the internal network's layout from the refusal.
                throw DeliveryError.forbiddenTarget("\(host) resolves to a \(restriction.rawValue) address")
            }
        }
        guard let address = addresses.first else { throw DeliveryError.resolution(host: host, reason: "no addresses") }
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        let target = PinnedTarget(host: host, address: address.description, port: port, tls: tls, verifyTls: verifyTls)
        let route = Route(
            target: target, requestTarget: components.percentEncodedQuery.map { path + "?" + $0 } ?? path, hostHeader: target.hostHeader)
        let evicted = checked.withLock { checked -> PinnedTarget? in
            var evicted: PinnedTarget?
            if !checked.targets.contains(route.target) {
                if checked.targets.count >= configuration.maxCachedClients, let victim = checked.targets.first {
                    checked.targets.remove(victim)
                    checked.byURL = checked.byURL.filter { $0.value.route.target != victim }
                    evicted = victim
                }
                checked.targets.insert(route.target)
            }
            if checked.byURL.count >= 4096 { checked.byURL.removeAll(keepingCapacity: true) }
            checked.byURL[checkedKey] = (route, now + configuration.checkedURLLifetime)
            return evicted
        }
        if let evicted { transport.evict(evicted) }
        return route
    }

    /// A failure as text that is safe to store and show.
    public static func describe(_ error: any Error) -> String {
        if let error = error as? DeliveryError { return error.description }
        if let error = error as? TransportError { return error.description }
        if let error = error as? NIOSSLError { return "TLS: \(error)" }
        if let error = error as? BoringSSLError { return "TLS: \(error)" }
        if let error = error as? NIOConnectionError { return "connection failed: \(error)" }
        if let error = error as? HTTPParserError { return "invalid HTTP (a header, or the answer): \(error)" }
        return String(describing: error).prefix(500).description
    }

    public static func isTimeout(_ error: any Error) -> Bool {
        if let error = error as? TransportError { return error == .deadlineExceeded }
        if let error = error as? ChannelError, case .connectTimeout = error { return true }
        if let error = error as? NIOConnectionError { return error.connectionErrors.contains { isTimeout($0.error) } }
        return false
    }
}
