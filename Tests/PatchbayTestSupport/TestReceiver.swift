import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A webhook receiver on a real loopback socket. Routes: `/ok` (200, echoes a handshake challenge), `/fail` (503
/// with `Retry-After: 7`), `/error` (500), `/gone` (410), `/redirect` (302 to `/ok`), `/slow` (answers after 3 s), `/hang` (after 8 s), `/big` (100 KB).
public final class TestReceiver: Sendable {
    public struct Received: Sendable {
        public var path: String
        public var headers: [String: String]
        public var body: [UInt8]
    }

    private let received = Mutex<[Received]>([])

    public init() {}

    public var requests: [Received] { received.withLock { $0 } }

    public func requests(to path: String) -> [Received] { requests.filter { $0.path == path } }

    /// A free loopback port below the kernel's ephemeral range. A port taken from the ephemeral range and released can be handed to
    /// any other socket of a concurrent test (a listener on port 0 or an outgoing connection) before it is bound again.
    public static func portOutsideEphemeralRange() async throws -> Int {
        var lowestEphemeral = 32_768
        if let range = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8),
            let first = range.split(whereSeparator: \.isWhitespace).first.flatMap({ Int($0) })
        {
            lowestEphemeral = first
        }
        let candidates = 10_000..<max(10_001, min(lowestEphemeral, 65_536))
        for _ in 0..<50 {
            let port = Int.random(in: candidates)
            if let bound = try? await TestReceiver().run(port: port, { $0 }) { return bound }
        }
        throw TestServerFailure(description: "no free port in \(candidates)")
    }

    /// Runs the receiver for the duration of `body`, passing its port: `port`, or an ephemeral one when 0.
    public func run<T: Sendable>(port: Int = 0, _ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        @discardableResult
        @Sendable func record(_ request: Request) async throws -> [UInt8] {
            let bytes = Array(buffer: try await request.body.collect(upTo: 16 << 20))
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            headers["host"] = request.head.authority
            received.withLock { $0.append(Received(path: request.uri.path, headers: headers, body: bytes)) }
            return bytes
        }
        router.post("/ok") { request, _ -> Response in
            let bytes = try await record(request)
            var reply = #"{"received":true}"#
            // Echo a handshake's challenge, as a well-behaved receiver does.
            if let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any], let data = object["data"] as? [String: Any],
                let challenge = data["challenge"] as? String
            {
                reply = #"{"challenge":""# + challenge + #""}"#
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: reply)))
        }
        router.post("/fail") { request, _ -> Response in
            try await record(request)
            return Response(
                status: .serviceUnavailable, headers: [HTTPField.Name("Retry-After")!: "7"], body: .init(byteBuffer: ByteBuffer(string: "busy")))
        }
        router.post("/error") { request, _ -> Response in
            try await record(request)
            return Response(status: .internalServerError)
        }
        router.post("/gone") { request, _ -> Response in
            try await record(request)
            return Response(status: .gone)
        }
        router.post("/redirect") { request, _ -> Response in
            try await record(request)
            return Response(status: .found, headers: [.location: "/ok"])
        }
        router.post("/slow") { request, _ -> Response in
            try await record(request)
            try await Task.sleep(for: .seconds(3))
            return Response(status: .ok)
        }
        router.post("/hang") { request, _ -> Response in
            try await record(request)
            try await Task.sleep(for: .seconds(8))
            return Response(status: .ok)
        }
        router.post("/big") { request, _ -> Response in
            try await record(request)
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: String(repeating: "x", count: 100_000))))
        }
        return try await TestHTTPServer.run(router: router, port: port, body)
    }
}

/// Runs a Hummingbird router on a loopback socket for the duration of `body`, passing its port.
public enum TestHTTPServer {
    public static func run<T: Sendable>(
        router: Router<BasicRequestContext>, port: Int = 0, _ body: @Sendable (Int) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "patchbay.test.server")
        logger.logLevel = .critical
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                // A server that cannot start (its port taken) must end the wait for its port, not hang it.
                defer { portContinuation.finish() }
                try await app.runService()
                return nil
            }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                _ = try await group.next()
                throw TestServerFailure(description: "the test server on port \(port) stopped before it listened")
            }
            return try await body(port)
        }
    }
}

public struct TestServerFailure: Error, CustomStringConvertible {
    public let description: String
}
