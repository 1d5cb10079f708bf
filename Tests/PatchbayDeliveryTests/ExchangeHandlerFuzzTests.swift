import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOHTTP1
import PatchbayTestSupport
import Testing

@testable import PatchbayDelivery

/// A receiver's answer is outside bytes: thousands of answers mutated from well-formed ones go through NIO's decoder
/// and the exchange handler on an embedded channel, arriving in pieces of random size. Every exchange must end (an
/// answer or an error, never a hang), an answer must respect the cap, and nothing may trap.
@Suite struct ExchangeHandlerFuzzTests {
    static let seeds = [
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
        "HTTP/1.1 503 Busy\r\nRetry-After: 7\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbusy",
        "HTTP/1.0 200 OK\r\n\r\nuntil the connection ends",
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: other\r\nConnection: upgrade\r\n\r\nnot http any more",
        "HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
    ]

    static let interesting: [[UInt8]] = [
        Array("\r\n".utf8), Array(":".utf8), Array("99999999999999999999999".utf8), Array("-1".utf8), Array("\r\n\r\n".utf8),
        Array("Transfer-Encoding: chunked\r\n".utf8), Array("Content-Length: 5\r\n".utf8), [0], [0xFF], Array("ffffffffffffffff\r\n".utf8),
    ]

    static func mutate(_ seed: [UInt8], _ random: inout SplitMix) -> [UInt8] {
        var bytes = seed
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<5, using: &random) {
            case 0 where !bytes.isEmpty: bytes[at] = UInt8.random(in: 0...255, using: &random)
            case 1 where !bytes.isEmpty: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &random)))
            case 2: bytes.insert(contentsOf: interesting.randomElement(using: &random) ?? [], at: at)
            case 3: bytes.removeSubrange(at...)
            default: bytes.insert(contentsOf: bytes[at...].prefix(Int.random(in: 1...32, using: &random)), at: at)
            }
        }
        return bytes
    }

    /// Exclusive: thousands of synchronous rounds hold a thread of the two-core test pool, which the timing tests feel.
    @Test func mutatedAnswersAlwaysEndTheExchangeWithinTheCap() async throws {
        try await exclusively { try Self.mutatedAnswers() }
    }

    static func mutatedAnswers() throws {
        var random = SplitMix(seed: 0x5EED)
        for round in 0..<3000 {
            let input = mutate(Array(seeds[round % Self.seeds.count].utf8), &random)
            let cap = Int.random(in: 0...40, using: &random)
            let piece = Int.random(in: 1...16, using: &random)
            let outcome = try exchange(input, cap: cap, piece: piece)
            guard let outcome else {
                Issue.record("the exchange never ended for \(String(decoding: input, as: UTF8.self).debugDescription)")
                return
            }
            if case .success(let response) = outcome {
                #expect(response.body.count <= cap && (100...999).contains(response.status), "\(response.status) \(response.body.count)")
            }
        }
    }

    /// Sends one request on an embedded channel and feeds it `answer` in pieces, then the connection's end.
    static func exchange(_ answer: [UInt8], cap: Int, piece: Int) throws -> Result<OutboundResponse, any Error>? {
        let channel = EmbeddedChannel()
        let handler = ExchangeHandler(idleTimeout: .seconds(50), onReusable: { _ in }, onClosed: { _ in })
        try channel.pipeline.syncOperations.addHTTPClientHandlers()
        try channel.pipeline.syncOperations.addHandler(handler)
        channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 80), promise: nil)
        let outcome = NIOLockedValueBox<Result<OutboundResponse, any Error>?>(nil)
        let promise = channel.eventLoop.makePromise(of: OutboundResponse.self)
        promise.futureResult.whenComplete { result in outcome.withLockedValue { $0 = result } }
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/hook", headers: ["Host": "receiver.test", "Content-Length": "2"])
        handler.begin(
            head: head, body: ByteBuffer(string: "{}"), maxResponseBytes: cap, deadline: .now() + .seconds(60), promise: promise)
        var rest = answer[...]
        while !rest.isEmpty, channel.isActive {
            _ = try? channel.writeInbound(ByteBuffer(bytes: rest.prefix(piece)))
            rest = rest.dropFirst(piece)
        }
        // The connection ends: whatever was still awaited must end with it.
        if channel.isActive { channel.pipeline.fireChannelInactive() }
        _ = try? channel.finish(acceptAlreadyClosed: true)
        return outcome.withLockedValue { $0 }
    }
}
