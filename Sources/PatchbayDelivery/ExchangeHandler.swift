import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Why an exchange failed in the transport itself (connection and protocol failures come as NIO's own errors).
public enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The deadline passed before the whole answer arrived.
    case deadlineExceeded
    /// The connection closed before the answer was complete; `answered` says whether any of it had arrived.
    case closed(answered: Bool)
    /// The request was cancelled by its caller.
    case cancelled

    public var description: String {
        switch self {
        case .deadlineExceeded: return "the deadline passed before the answer was complete"
        case .closed(answered: false): return "the connection closed before an answer"
        case .closed(answered: true): return "the connection closed in the middle of the answer"
        case .cancelled: return "cancelled"
        }
    }
}

/// Set by a caller's cancellation handler before it queues `cancel` on the connection's loop.
final class CancellationFlag: Sendable {
    private let flag = Atomic(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}

/// One request at a time on one HTTP/1.1 connection: writes it, reads the answer up to a cap, and says whether the
/// connection may carry another. Only ever touched on its channel's event loop.
final class ExchangeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private struct Exchange {
        var promise: EventLoopPromise<OutboundResponse>
        var maxResponseBytes: Int
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        var deadline: NIODeadline
    }

    private var context: ChannelHandlerContext?
    private var exchange: Exchange?
    /// The request's bytes are still being written: an answer that comes first leaves the connection unusable.
    private var writing = false
    /// Why the connection failed while no request was in flight (a TLS handshake error, say), for the next `begin`.
    private var failure: (any Error)?
    /// Called on the event loop when an answer was read whole and the connection may carry another request.
    private let onReusable: (ExchangeHandler) -> Void
    /// Called on the event loop once, when the connection closes.
    private let onClosed: (ExchangeHandler) -> Void
    private(set) var isOpen = true
    /// When the connection last became idle, for the idle timeout.
    private(set) var idleSince = NIODeadline.now()
    private var idleCheck: Scheduled<Void>?
    private let idleTimeout: TimeAmount
    /// The connection's one deadline timer and when it fires (see `armDeadlineCheck`).
    private var deadlineCheck: (timer: Scheduled<Void>, at: NIODeadline)?

    init(idleTimeout: TimeAmount, onReusable: @escaping (ExchangeHandler) -> Void, onClosed: @escaping (ExchangeHandler) -> Void) {
        self.idleTimeout = idleTimeout
        self.onReusable = onReusable
        self.onClosed = onClosed
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    /// The context holds the handler: keeping the context after removal would keep both, and the channel, alive.
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Sends the request; `promise` gets the answer or the failure. A caller cancelled before this runs on the
    /// loop (`cancelled` is set first, then `cancel` is queued, which finds nothing to cancel yet) sends nothing.
    func begin(
        head: HTTPRequestHead, body: ByteBuffer?, maxResponseBytes: Int, deadline: NIODeadline, promise: EventLoopPromise<OutboundResponse>,
        cancelled: CancellationFlag = CancellationFlag()
    ) {
        guard !cancelled.isSet else {
            // Nobody will use or return this connection now.
            promise.fail(TransportError.cancelled)
            close()
            return
        }
        guard let context, isOpen, exchange == nil else {
            promise.fail(failure ?? TransportError.closed(answered: false))
            return
        }
        exchange = Exchange(promise: promise, maxResponseBytes: maxResponseBytes, deadline: deadline)
        armDeadlineCheck(context: context, for: deadline)
        writing = true
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenComplete { [weak self] result in
            guard let self else { return }
            self.writing = false
            if case .failure(let error) = result {
                self.fail(error, of: promise)
                self.close()
            }
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
    }

    /// Gives up on the exchange of `promise` and closes the connection; nothing when that exchange is over (its
    /// connection may carry another caller's request by now).
    func cancel(_ promise: EventLoopPromise<OutboundResponse>) { fail(TransportError.cancelled, of: promise) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard var exchange else {
            // An answer nobody asked for: the connection can no longer be trusted to pair answers with requests.
            close()
            return
        }
        // Taken out while it changes, so the body has one owner and grows in place (a copy per chunk would make a
        // body of a million one-byte chunks quadratic). Every branch puts it back or finishes it.
        self.exchange = nil
        switch unwrapInboundIn(data) {
        case .head(let head):
            exchange.head = head
            self.exchange = exchange
        case .body(var chunk):
            let room = exchange.maxResponseBytes - exchange.body.count
            if chunk.readableBytes > room {
                // The rest is never read, so the connection cannot be reused.
                exchange.body.append(contentsOf: chunk.readBytes(length: room) ?? [])
                exchange.promise.succeed(Self.response(exchange, truncated: true))
                close()
                return
            }
            exchange.body.append(contentsOf: chunk.readableBytesView)
            self.exchange = exchange
        case .end:
            // 101 leaves the decoder expecting another protocol; an answer that beat its request's bytes leaves
            // them half written.
            let reusable = (exchange.head?.isKeepAlive ?? false) && exchange.head?.status != .switchingProtocols && !writing
            if reusable {
                becomeIdle()
                onReusable(self)
            } else {
                close()
            }
            exchange.promise.succeed(Self.response(exchange, truncated: false))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A TLS peer that closes without close_notify: the close that follows decides, as it does without TLS (an
        // answer framed by the connection's end is whole; one cut short fails; a reused connection is retried).
        if let error = error as? NIOSSLError, case .uncleanShutdown = error { return }
        if let promise = exchange?.promise {
            fail(error, of: promise)
        } else if failure == nil {
            failure = error
        }
        close()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let exchange { fail(TransportError.closed(answered: exchange.head != nil), of: exchange.promise) }
        markClosed()
        context.fireChannelInactive()
    }

    private static func response(_ exchange: Exchange, truncated: Bool) -> OutboundResponse {
        let head = exchange.head
        return OutboundResponse(
            status: Int(head?.status.code ?? 0), headers: head?.headers.map { ($0.name, $0.value) } ?? [], body: exchange.body, truncated: truncated
        )
    }

    /// Fails the exchange of `promise` and closes the connection, if that exchange is still the one in flight.
    private func fail(_ error: any Error, of promise: EventLoopPromise<OutboundResponse>) {
        guard let exchange, exchange.promise.futureResult === promise.futureResult else { return }
        self.exchange = nil
        exchange.promise.fail(error)
        close()
    }

    private func close() {
        guard isOpen else { return }
        markClosed()
        context?.close(promise: nil)
    }

    private func markClosed() {
        guard isOpen else { return }
        isOpen = false
        idleCheck?.cancel()
        idleCheck = nil
        deadlineCheck?.timer.cancel()
        deadlineCheck = nil
        onClosed(self)
    }

    /// One deadline timer per connection, not one per request (scheduling and cancelling a timer for every request
    /// was a tenth of the event loops' own work): it is armed for this deadline unless it already fires sooner, and
    /// when it fires for an exchange that has ended it re-arms for the one in flight, if any.
    private func armDeadlineCheck(context: ChannelHandlerContext, for deadline: NIODeadline) {
        if let check = deadlineCheck {
            guard check.at > deadline else { return }
            check.timer.cancel()
        }
        let timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            guard let self else { return }
            self.deadlineCheck = nil
            guard let exchange = self.exchange, self.isOpen else { return }
            if exchange.deadline <= context.eventLoop.now {
                self.fail(TransportError.deadlineExceeded, of: exchange.promise)
            } else {
                self.armDeadlineCheck(context: context, for: exchange.deadline)
            }
        }
        deadlineCheck = (timer, deadline)
    }

    /// Idle connections close after `idleTimeout`; one timer is kept, pushed forward while the connection is busy.
    private func becomeIdle() {
        guard let context else { return }
        // The loop's clock, the one its timers run on.
        idleSince = context.eventLoop.now
        guard idleCheck == nil else { return }
        scheduleIdleCheck(context: context, at: idleSince + idleTimeout)
    }

    private func scheduleIdleCheck(context: ChannelHandlerContext, at deadline: NIODeadline) {
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            guard let self, self.isOpen else { return }
            self.idleCheck = nil
            if self.exchange != nil { return }  // busy: the next becomeIdle schedules again
            let due = self.idleSince + self.idleTimeout
            if due <= context.eventLoop.now {
                self.close()
            } else {
                self.scheduleIdleCheck(context: context, at: due)
            }
        }
    }
}
