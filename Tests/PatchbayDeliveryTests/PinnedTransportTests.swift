import NIOCore
import NIOHTTP1
import PatchbayCore
import Testing

@testable import PatchbayDelivery

/// The guarded client's own HTTP/1.1 transport against a scripted server: connection reuse, the keep-alive race,
/// answers that end the connection, malformed and oversized answers, silence and cancellation.
@Suite struct PinnedTransportTests {
    static func client() -> GuardedHTTPClient { GuardedHTTPClient(policy: AddressPolicy(allowPrivateTargets: true)) }

    static func get(_ client: GuardedHTTPClient, _ port: Int, cap: Int = 1024, timeout: TimeAmount = .seconds(10)) async throws
        -> OutboundResponse
    {
        try await client.execute(
            OutboundRequest(method: "POST", url: "http://127.0.0.1:\(port)/hook", body: Array("{}".utf8)), timeout: timeout,
            maxResponseBytes: cap)
    }

    @Test func aKeptAliveConnectionCarriesTheNextRequests() async throws {
        let server = ScriptedServer()
        try await server.run({ _, _ in ScriptedServer.ok() }) { port in
            let client = Self.client()
            for _ in 0..<3 {
                let response = try await Self.get(client, port)
                #expect(response.status == 200 && response.body == Array("ok".utf8))
            }
            await client.shutdown()
        }
        #expect(server.requests == 3)
        #expect(server.connections == 1)
    }

    @Test func aReusedConnectionTheServerClosedIsReplacedWithoutFailingTheRequest() async throws {
        let server = ScriptedServer()
        // The first connection answers once, then closes when the next request arrives, as a server does when its
        // keep-alive timer fires while that request is on the wire.
        try await server.run({ connection, request in connection == 0 && request == 1 ? .close : ScriptedServer.ok() }) { port in
            let client = Self.client()
            let first = try await Self.get(client, port)
            let second = try await Self.get(client, port)
            #expect(first.status == 200)
            #expect(second.status == 200, "sent again on a new connection")
            await client.shutdown()
        }
        #expect(server.connections == 2)
        #expect(server.requests == 3)
    }

    @Test func aNewConnectionClosedWithoutAnAnswerFailsAndIsNotRepeated() async throws {
        let server = ScriptedServer()
        try await server.run({ _, _ in .close }) { port in
            let client = Self.client()
            await #expect(throws: TransportError.closed(answered: false)) { try await Self.get(client, port) }
            await client.shutdown()
        }
        #expect(server.requests == 1, "a request that may have been acted on is not sent twice")
    }

    @Test func answersThatEndTheConnectionOrComeInChunksAreReadWhole() async throws {
        let server = ScriptedServer()
        let chunked = "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-Seen: yes\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
        try await server.run({ connection, _ in
            connection == 0
                ? .bytes("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nfirst, and its end is the connection's", close: true) : .bytes(chunked)
        }) { port in
            let client = Self.client()
            let first = try await Self.get(client, port)
            #expect(first.status == 200 && first.body == Array("first, and its end is the connection's".utf8))
            let second = try await Self.get(client, port)
            #expect(second.status == 201 && second.body == Array("abcde".utf8) && second.header("x-seen") == "yes")
            let third = try await Self.get(client, port)
            #expect(third.status == 201, "the chunked answer left its connection reusable")
            await client.shutdown()
        }
        #expect(server.connections == 2)
    }

    @Test func informationalAnswersAreSkipped() async throws {
        let server = ScriptedServer()
        try await server.run({ _, _ in .bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n") }) { port in
            let client = Self.client()
            let response = try await Self.get(client, port)
            #expect(response.status == 204)
            await client.shutdown()
        }
    }

    @Test func anAnswerLongerThanTheCapIsCutAndItsConnectionDropped() async throws {
        let server = ScriptedServer()
        try await server.run({ _, _ in ScriptedServer.ok(String(repeating: "x", count: 100)) }) { port in
            let client = Self.client()
            let cut = try await Self.get(client, port, cap: 10)
            #expect(cut.body.count == 10 && cut.truncated)
            let whole = try await Self.get(client, port, cap: 1000)
            #expect(whole.body.count == 100 && !whole.truncated)
            await client.shutdown()
        }
        #expect(server.connections == 2, "the unread rest made the first connection unusable")
    }

    static let malformed = [
        "not HTTP": "garbage\r\n\r\n",
        "a length past Int": "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        "a negative length": "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
        "a 200 kB header": "HTTP/1.1 200 OK\r\nX-Big: \(String(repeating: "a", count: 200_000))\r\n\r\n",
        "a status past Int32": "HTTP/1.1 99999999999 OK\r\nContent-Length: 0\r\n\r\n",
    ]

    @Test(arguments: malformed.keys.sorted())
    func malformedAndOversizedAnswersFailWithoutHarm(case name: String) async throws {
        let answer = try #require(Self.malformed[name])
        let server = ScriptedServer()
        try await server.run({ _, _ in .bytes(answer, close: true) }) { port in
            let client = Self.client()
            do {
                let response = try await Self.get(client, port)
                Issue.record("a malformed answer was accepted: \(response.status)")
            } catch {
                #expect(!GuardedHTTPClient.describe(error).isEmpty)
                #expect(!GuardedHTTPClient.isTimeout(error), "refused at once, not at the deadline: \(error)")
            }
            await client.shutdown()
        }
    }

    @Test func silenceEndsAtTheDeadlineAndCancellationAtOnce() async throws {
        let server = ScriptedServer()
        try await server.run({ _, _ in .silence }) { port in
            let client = Self.client()
            let start = ContinuousClock.now
            do {
                _ = try await Self.get(client, port, timeout: .milliseconds(300))
                Issue.record("a silent server answered")
            } catch {
                #expect(GuardedHTTPClient.isTimeout(error), "\(error)")
            }
            let waiting = Task { try await Self.get(client, port, timeout: .seconds(60)) }
            try await Task.sleep(for: .milliseconds(200))
            waiting.cancel()
            await #expect(throws: TransportError.cancelled) { try await waiting.value }
            #expect(ContinuousClock.now - start < .seconds(30), "neither the deadline nor the cancellation waited for the server")
            await client.shutdown()
        }
    }

    /// `GET /` for `host`, straight through the transport to the scripted server on loopback.
    static func get(_ transport: PinnedTransport, host: String, port: Int) async throws -> OutboundResponse {
        let target = PinnedTarget(host: host, address: "127.0.0.1", port: port, tls: false, verifyTls: true)
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: ["Host": target.hostHeader])
        return try await transport.exchange(target: target, head: head, body: nil, deadline: .now() + .seconds(10), maxResponseBytes: 100)
    }

    /// Waits for what the server counts to settle, at most 10 s.
    static func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func pastTheTargetLimitTheOldTargetsConnectionsClose() async throws {
        let server = ScriptedServer()
        try await server.run({ _, _ in ScriptedServer.ok() }) { port in
            var configuration = PinnedTransport.Configuration()
            configuration.maxTargets = 1
            let transport = PinnedTransport(configuration: configuration)
            for host in ["a.test", "b.test", "a.test"] {
                #expect(try await Self.get(transport, host: host, port: port).status == 200)
            }
            // Each newcomer pushed the other target's idle connection out and closed it: a's first, then b's.
            try await Self.waitUntil { server.closed >= 2 }
            #expect(server.closed == 2, "the evicted connections were closed, the last one kept")
            await transport.shutdown()
        }
        #expect(server.connections == 3, "b's connection pushed a's out, so a connected again")
    }

    @Test func pastTheIdleLimitAReleasedConnectionCloses() async throws {
        let server = ScriptedServer()
        try await server.run({ _, _ in ScriptedServer.ok() }) { port in
            var configuration = PinnedTransport.Configuration()
            configuration.maxIdlePerTarget = 1
            let transport = PinnedTransport(configuration: configuration)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<50 { group.addTask { _ = try await Self.get(transport, host: "a.test", port: port) } }
                try await group.waitForAll()
            }
            // However many connections the burst opened, one stays idle and every other one is closed.
            try await Self.waitUntil { server.closed >= server.connections - 1 }
            #expect(server.closed == server.connections - 1, "\(server.connections) opened, \(server.closed) closed")
            await transport.shutdown()
        }
    }

    @Test func aCallerCancelledBeforeSendingSendsNothing() async throws {
        let server = ScriptedServer()
        try await server.run({ _, _ in ScriptedServer.ok() }) { port in
            let client = Self.client()
            _ = try await Self.get(client, port)  // leaves an idle connection that a retry could otherwise use
            let cancelled = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await Self.get(client, port)
            }
            await #expect(throws: TransportError.cancelled) { try await cancelled.value }
            await client.shutdown()
        }
        #expect(server.requests == 1, "the cancelled request never left")
    }

    @Test func concurrentRequestsToOneTargetAllSucceed() async throws {
        let server = ScriptedServer()
        try await server.run({ _, _ in ScriptedServer.ok() }) { port in
            let client = Self.client()
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<200 { group.addTask { try await Self.get(client, port).status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.count == 200 && statuses.allSatisfy { $0 == 200 })
            // Again: the connections of the first round are reused, not replaced.
            let before = server.connections
            for _ in 0..<20 {
                let response = try await Self.get(client, port)
                #expect(response.status == 200)
            }
            #expect(server.connections == before)
            await client.shutdown()
        }
        #expect(server.requests == 220)
    }
}
