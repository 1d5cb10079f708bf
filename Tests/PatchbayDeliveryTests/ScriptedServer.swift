import NIOCore
import NIOPosix
import Synchronization

/// A TCP server on 127.0.0.1 that answers each request with whatever its script says, to drive the transport through
/// what real servers do and a framework server will not: closing a kept-alive connection, malformed or endless
/// answers, silence.
final class ScriptedServer: Sendable {
    enum Reply: Sendable {
        /// Writes these bytes; closes the connection afterwards when `close` is set.
        case bytes(String, close: Bool = false)
        /// Closes the connection without answering.
        case close
        /// Never answers.
        case silence
    }

    /// Chooses the reply for the `request`-th request (from 0) on the `connection`-th connection (from 0).
    typealias Script = @Sendable (_ connection: Int, _ request: Int) -> Reply

    private let counts = Mutex((connections: 0, requests: 0, closed: 0))
    var connections: Int { counts.withLock { $0.connections } }
    var requests: Int { counts.withLock { $0.requests } }
    /// Connections that have ended, by either side.
    var closed: Int { counts.withLock { $0.closed } }

    static func ok(_ body: String = "ok") -> Reply { .bytes("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)") }

    /// Runs the server for the duration of `body`, which gets its port.
    func run(_ script: @escaping Script, _ body: (Int) async throws -> Void) async throws {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let connection = self.counts.withLock { counts in
                    defer { counts.connections += 1 }
                    return counts.connections
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ScriptedConnection(
                            connection: connection, script: script, onRequest: { self.counts.withLock { $0.requests += 1 } },
                            onClose: { self.counts.withLock { $0.closed += 1 } }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        do {
            try await body(channel.localAddress?.port ?? 0)
        } catch {
            try? await channel.close()
            throw error
        }
        try await channel.close()
    }
}

/// Splits the bytes of one connection into requests (head plus `Content-Length` body) and plays the script.
private final class ScriptedConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let connection: Int
    private let script: ScriptedServer.Script
    private let onRequest: () -> Void
    private let onClose: () -> Void
    private var buffered: [UInt8] = []
    private var served = 0
    private var done = false

    init(connection: Int, script: @escaping ScriptedServer.Script, onRequest: @escaping () -> Void, onClose: @escaping () -> Void) {
        self.connection = connection
        self.script = script
        self.onRequest = onRequest
        self.onClose = onClose
    }

    func channelInactive(context: ChannelHandlerContext) {
        onClose()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        buffered.append(contentsOf: unwrapInboundIn(data).readableBytesView)
        while !done, let length = Self.completeRequestLength(buffered) {
            buffered.removeFirst(length)
            onRequest()
            let reply = script(connection, served)
            served += 1
            switch reply {
            case .bytes(let text, let close):
                let written = context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)))
                if close {
                    done = true
                    written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                }
            case .close:
                done = true
                context.close(promise: nil)
            case .silence:
                done = true
            }
        }
    }

    /// The length of the first whole request in `bytes`, or nil while it is incomplete.
    private static func completeRequestLength(_ bytes: [UInt8]) -> Int? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard bytes.count >= 4, let end = (0...(bytes.count - 4)).first(where: { bytes[$0..<($0 + 4)].elementsEqual(separator) }) else {
            return nil
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self).lowercased()
        let length =
            head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }.flatMap { Int($0.dropFirst(15).trimmingPrefix(" ")) } ?? 0
        let total = end + 4 + length
        return bytes.count >= total ? total : nil
    }
}
