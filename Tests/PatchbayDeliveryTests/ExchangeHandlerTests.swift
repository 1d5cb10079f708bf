import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOSSL
import Testing

@testable import PatchbayDelivery

/// The exchange handler's own rules, on an embedded channel where the order of events is the test's to choose.
@Suite struct ExchangeHandlerTests {
    /// An embedded connection with the handler, counting the times it offered itself for reuse.
    final class Connection {
        let channel = EmbeddedChannel()
        let reused = NIOLockedValueBox(0)
        /// Bytes the handler wrote.
        private(set) var written = 0
        private(set) weak var handler: ExchangeHandler?

        init() throws {
            let reused = self.reused
            let handler = ExchangeHandler(idleTimeout: .seconds(50), onReusable: { _ in reused.withLockedValue { $0 += 1 } }, onClosed: { _ in })
            self.handler = handler
            try channel.pipeline.syncOperations.addHTTPClientHandlers()
            try channel.pipeline.syncOperations.addHandler(handler)
            channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 80), promise: nil)
        }

        /// Sends a request (unless `cancelled` is already set); the box gets its outcome.
        func send(cancelled: CancellationFlag = CancellationFlag(), deadline: NIODeadline = .now() + .seconds(60)) throws -> (
            EventLoopPromise<OutboundResponse>, NIOLockedValueBox<Result<OutboundResponse, any Error>?>
        ) {
            let outcome = NIOLockedValueBox<Result<OutboundResponse, any Error>?>(nil)
            let promise = channel.eventLoop.makePromise(of: OutboundResponse.self)
            promise.futureResult.whenComplete { result in outcome.withLockedValue { $0 = result } }
            let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: ["Host": "receiver.test"])
            let handler = try #require(handler)
            handler.begin(
                head: head, body: nil, maxResponseBytes: 1024, deadline: deadline, promise: promise, cancelled: cancelled)
            while let bytes = try channel.readOutbound(as: ByteBuffer.self) { written += bytes.readableBytes }
            return (promise, outcome)
        }

        func answer(_ text: String) { _ = try? channel.writeInbound(ByteBuffer(string: text)) }
    }

    @Test func cancellingAFinishedRequestLeavesTheNextOneOnItsConnectionAlone() throws {
        let connection = try Connection()
        let (first, firstOutcome) = try connection.send()
        connection.answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        #expect(try firstOutcome.withLockedValue { try $0?.get().status } == 200)
        let (_, secondOutcome) = try connection.send()
        // The first caller's cancellation arrives late, after its connection went on to the second request.
        connection.handler?.cancel(first)
        #expect(connection.channel.isActive, "the connection was not closed under the second request")
        connection.answer("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
        #expect(try secondOutcome.withLockedValue { try $0?.get().status } == 201)
        _ = try? connection.channel.finish(acceptAlreadyClosed: true)
    }

    @Test func aCallerCancelledBeforeItsTurnOnTheLoopSendsNothingAndFreesTheConnection() throws {
        let connection = try Connection()
        let flag = CancellationFlag()
        flag.set()
        let (_, outcome) = try connection.send(cancelled: flag)
        #expect(throws: TransportError.cancelled) { try outcome.withLockedValue { try $0?.get() } }
        #expect(connection.written == 0)
        #expect(!connection.channel.isActive, "a connection nobody will return is closed")
        _ = try? connection.channel.finish(acceptAlreadyClosed: true)
    }

    @Test func anIdleConnectionClosesAfterItsTimeoutAndABusyOneDoesNot() throws {
        let connection = try Connection()
        let loop = connection.channel.embeddedEventLoop
        let (_, first) = try connection.send()
        connection.answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        #expect(try first.withLockedValue { try $0?.get().status } == 200)
        loop.advanceTime(by: .seconds(30))
        // Used again 30 s into its idle time: the timer moves on instead of closing it under the request.
        let (_, second) = try connection.send()
        loop.advanceTime(by: .seconds(25))
        #expect(connection.channel.isActive, "a connection carrying a request is not closed as idle")
        connection.answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        #expect(try second.withLockedValue { try $0?.get().status } == 200)
        loop.advanceTime(by: .seconds(49))
        #expect(connection.channel.isActive, "idle for 49 of its 50 seconds")
        loop.advanceTime(by: .seconds(2))
        #expect(!connection.channel.isActive, "idle past its 50 seconds")
        _ = try? connection.channel.finish(acceptAlreadyClosed: true)
    }

    /// A connection keeps one deadline timer for all its requests: each request must still fail at its own deadline,
    /// neither at an earlier request's (whose timer fires while the next is in flight) nor never.
    @Test func eachRequestOnAReusedConnectionFailsAtItsOwnDeadline() throws {
        let connection = try Connection()
        let loop = connection.channel.embeddedEventLoop
        let (_, first) = try connection.send(deadline: loop.now + .seconds(1))
        connection.answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        #expect(try first.withLockedValue { try $0?.get().status } == 200)

        // A later deadline: the timer armed for the first fires while the second is in flight, and must re-arm.
        let (_, second) = try connection.send(deadline: loop.now + .seconds(3))
        loop.advanceTime(by: .seconds(2))
        #expect(second.withLockedValue { $0 == nil } && connection.channel.isActive, "failed at the first request's deadline")
        connection.answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        #expect(try second.withLockedValue { try $0?.get().status } == 200)

        // An earlier deadline than the timer's: the timer is brought forward.
        let (_, third) = try connection.send(deadline: loop.now + .seconds(10))
        connection.answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        #expect(try third.withLockedValue { try $0?.get().status } == 200)
        let (_, fourth) = try connection.send(deadline: loop.now + .milliseconds(500))
        loop.advanceTime(by: .milliseconds(400))
        #expect(fourth.withLockedValue { $0 == nil }, "failed before its deadline")
        loop.advanceTime(by: .milliseconds(200))
        #expect(throws: TransportError.deadlineExceeded) { try fourth.withLockedValue { try $0?.get() } }
        #expect(!connection.channel.isActive, "a connection whose request timed out is closed")
        _ = try? connection.channel.finish(acceptAlreadyClosed: true)
    }

    @Test func aSwitchingProtocolsAnswerIsNotReused() throws {
        let connection = try Connection()
        let (_, outcome) = try connection.send()
        connection.answer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: other\r\nConnection: upgrade\r\n\r\n")
        #expect(try outcome.withLockedValue { try $0?.get().status } == 101)
        #expect(connection.reused.withLockedValue { $0 } == 0)
        #expect(!connection.channel.isActive)
        _ = try? connection.channel.finish(acceptAlreadyClosed: true)
    }

    struct HandshakeFailed: Error, Equatable {}

    @Test func anErrorBeforeTheRequestIsTheRequestsError() throws {
        let connection = try Connection()
        connection.channel.pipeline.fireErrorCaught(HandshakeFailed())
        let (_, outcome) = try connection.send()
        #expect(throws: HandshakeFailed.self) { try outcome.withLockedValue { try $0?.get() } }
        _ = try? connection.channel.finish(acceptAlreadyClosed: true)
    }

    @Test func aTLSCloseWithoutNoticeEndsAnAnswerFramedByTheConnection() throws {
        let connection = try Connection()
        let (_, outcome) = try connection.send()
        connection.answer("HTTP/1.1 200 OK\r\n\r\nuntil the end")
        connection.channel.pipeline.fireErrorCaught(NIOSSLError.uncleanShutdown)
        connection.channel.pipeline.fireChannelInactive()
        #expect(try outcome.withLockedValue { try $0?.get().body } == Array("until the end".utf8))
        _ = try? connection.channel.finish(acceptAlreadyClosed: true)
    }

    @Test func aClosedConnectionsHandlerIsFreed() throws {
        weak var handler: ExchangeHandler?
        do {
            let connection = try Connection()
            handler = connection.handler
            let (_, outcome) = try connection.send()
            connection.answer("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
            #expect(try outcome.withLockedValue { try $0?.get().status } == 200)
            _ = try? connection.channel.finish(acceptAlreadyClosed: true)
        }
        #expect(handler == nil, "the handler and its context kept each other alive after the connection closed")
    }
}
