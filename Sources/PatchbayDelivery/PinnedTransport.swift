import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import PatchbayCore
import Synchronization

/// Where a checked request goes: the URL's host (for the `Host` header, SNI and certificate names) and the address
/// that the guard checked, which is the only address the transport ever connects to.
struct PinnedTarget: Hashable, Sendable {
    var host: String
    var address: String
    var port: Int
    var tls: Bool
    var verifyTls: Bool

    /// The `Host` header: brackets around IPv6, the port only when it is not the scheme's default.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (tls ? 443 : 80) ? name : "\(name):\(port)"
    }
}

/// HTTP/1.1 over connections to checked addresses, kept alive per target. Built on SwiftNIO directly because the
/// general-purpose client's per-request machinery was a third of a delivery's CPU time: here a request is one hop
/// to the connection's event loop and one back. Redirects are never followed (answers are returned as they are),
/// every exchange has a deadline, and answers are read up to the caller's cap.
final class PinnedTransport: Sendable {
    struct Configuration: Sendable {
        var connectTimeout: TimeAmount = .seconds(5)
        /// Idle connections close after this; shorter than most servers' keep-alive so the server seldom closes first.
        var idleTimeout: TimeAmount = .seconds(50)
        /// High enough to keep every connection a busy target used: idle ones are bounded by the requests once in
        /// flight (the worker holds at most 1,024) and close after `idleTimeout`. At 128, ten webhooks on one
        /// receiver (160 requests in flight) closed and reopened connections all through a drain.
        var maxIdlePerTarget = 1024
        var maxTargets = 256
    }

    /// A connection and its handler; the handler is touched only on the channel's event loop.
    private struct Connection: Sendable {
        var channel: any Channel
        var handler: NIOLoopBound<ExchangeHandler>
        var id: ObjectIdentifier

        /// On the channel's event loop.
        init(_ channel: any Channel, _ handler: ExchangeHandler) {
            self.channel = channel
            self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
            self.id = ObjectIdentifier(handler)
        }
    }

    private struct State {
        var idle: [PinnedTarget: [Connection]] = [:]
        var closed = false
    }

    private let configuration: Configuration
    private let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    private let state = Mutex(State())
    /// Made on first use: loading the system's trust roots takes a while and many installations never use TLS.
    private let tlsContexts = Mutex<[Bool: NIOSSLContext]>([:])

    init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Sends one request to `target` and reads its answer. A request that finds its reused connection closed by the
    /// server before any answer (the keep-alive race) is sent once more on a new connection.
    func exchange(
        target: PinnedTarget, head: HTTPRequestHead, body: ByteBuffer?, deadline: NIODeadline, maxResponseBytes: Int
    ) async throws -> OutboundResponse {
        guard !Task.isCancelled else { throw TransportError.cancelled }
        if let reused = takeIdle(target) {
            do {
                return try await exchange(on: reused, head: head, body: body, deadline: deadline, maxResponseBytes: maxResponseBytes)
            } catch TransportError.closed(answered: false) {
                // Fall through to a new connection.
            }
        }
        guard !Task.isCancelled else { throw TransportError.cancelled }
        let connection = try await connect(target, deadline: deadline)
        return try await exchange(on: connection, head: head, body: body, deadline: deadline, maxResponseBytes: maxResponseBytes)
    }

    /// Forgets every idle connection to `target`'s host and address, closing them (the target left the guard's cache).
    func evict(_ target: PinnedTarget) {
        let gone = state.withLock { $0.idle.removeValue(forKey: target) ?? [] }
        for connection in gone { connection.channel.close(promise: nil) }
    }

    /// Closes every idle connection; connections still in use close when their exchange ends.
    func shutdown() async {
        let all = state.withLock { state -> [Connection] in
            state.closed = true
            defer { state.idle = [:] }
            return state.idle.values.flatMap { $0 }
        }
        for connection in all { try? await connection.channel.close() }
    }

    private func exchange(
        on connection: Connection, head: HTTPRequestHead, body: ByteBuffer?, deadline: NIODeadline, maxResponseBytes: Int
    ) async throws -> OutboundResponse {
        let loop = connection.channel.eventLoop
        let promise = loop.makePromise(of: OutboundResponse.self)
        let handler = connection.handler
        let cancelled = CancellationFlag()
        do {
            return try await withTaskCancellationHandler {
                loop.execute {
                    handler.value.begin(
                        head: head, body: body, maxResponseBytes: maxResponseBytes, deadline: deadline, promise: promise, cancelled: cancelled)
                }
                return try await promise.futureResult.get()
            } onCancel: {
                // The flag stops a `begin` still queued; `cancel` ends one already under way.
                cancelled.set()
                loop.execute { handler.value.cancel(promise) }
            }
        } catch  where Task.isCancelled {
            // However the connection ended (a cancellation that came before `begin` finds it closed), the caller
            // cancelled: say so, and never send again.
            throw TransportError.cancelled
        }
    }

    private func takeIdle(_ target: PinnedTarget) -> Connection? {
        state.withLock { state in
            while let connection = state.idle[target]?.popLast() {
                if connection.channel.isActive { return connection }
            }
            return nil
        }
    }

    /// Back to the idle list (on the connection's event loop, after an answer was read whole).
    private func release(_ connection: Connection, to target: PinnedTarget) {
        // Closing happens outside the lock: a close on this event loop runs `forget` at once, which takes the lock.
        var closing: [Connection] = []
        state.withLock { state in
            guard !state.closed else { return closing.append(connection) }
            if state.idle[target] == nil, state.idle.count >= configuration.maxTargets,
                let victim = state.idle.keys.first, let gone = state.idle.removeValue(forKey: victim)
            {
                // Too many targets: one goes (dictionary order is as good as any for a rare event).
                closing.append(contentsOf: gone)
            }
            guard state.idle[target, default: []].count < configuration.maxIdlePerTarget else { return closing.append(connection) }
            state.idle[target, default: []].append(connection)
        }
        for connection in closing { connection.channel.close(promise: nil) }
    }

    private func forget(_ id: ObjectIdentifier, of target: PinnedTarget) {
        state.withLock { state in
            guard let index = state.idle[target]?.firstIndex(where: { $0.id == id }) else { return }
            state.idle[target]?.remove(at: index)
            if state.idle[target]?.isEmpty == true { state.idle.removeValue(forKey: target) }
        }
    }

    private func connect(_ target: PinnedTarget, deadline: NIODeadline) async throws -> Connection {
        let address = try SocketAddress(ipAddress: target.address, port: target.port)
        let sslContext = target.tls ? try tlsContext(verify: target.verifyTls) : nil
        // SNI and certificate names use the URL's host; an IP literal is checked against the certificate's addresses.
        let serverName = IPAddress(host: target.host) == nil ? target.host : nil
        let remaining = deadline - .now()
        let idleTimeout = configuration.idleTimeout
        let connectTimeout = min(configuration.connectTimeout, max(remaining, .milliseconds(1)))
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [weak self] channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    let handler = ExchangeHandler(
                        idleTimeout: idleTimeout,
                        onReusable: { handler in self?.release(Connection(channel, handler), to: target) },
                        onClosed: { handler in self?.forget(ObjectIdentifier(handler), of: target) }
                    )
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        let channel = try await bootstrap.connect(to: address).get()
        return try await channel.eventLoop.submit {
            Connection(channel, try channel.pipeline.syncOperations.handler(type: ExchangeHandler.self))
        }.get()
    }

    private func tlsContext(verify: Bool) throws -> NIOSSLContext {
        try tlsContexts.withLock { contexts in
            if let context = contexts[verify] { return context }
            var configuration = TLSConfiguration.makeClientConfiguration()
            if !verify { configuration.certificateVerification = .none }
            let context = try NIOSSLContext(configuration: configuration)
            contexts[verify] = context
            return context
        }
    }
}
