import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// The webhook receiver the `webhooks` scenario delivers to: `POST /hook` answers 200 at once. It counts what
/// arrives and, for events stamped with `"sentAt":<µs since 1970>`, keeps the publish-to-receipt latency.
final class BenchReceiver: Sendable {
    private let received = Atomic<Int>(0)
    private let eventsReceived = Atomic<Int>(0)
    private let latencies = Mutex<[Double]>([])
    private let recordsLatency = Atomic<Bool>(false)

    var requests: Int { received.load(ordering: .relaxed) }
    var events: Int { eventsReceived.load(ordering: .relaxed) }

    func reset(recordLatency: Bool) {
        received.store(0, ordering: .relaxed)
        eventsReceived.store(0, ordering: .relaxed)
        latencies.withLock { $0.removeAll(keepingCapacity: true) }
        recordsLatency.store(recordLatency, ordering: .relaxed)
    }

    func takeLatencies() -> [Double] { latencies.withLock { $0 } }

    func application(logger: Logger, ready: AsyncStream<Int>.Continuation) -> some ApplicationProtocol {
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 4 << 20)
            self.receive(body)
            return Response(status: .ok)
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "BenchReceiver"),
            onServerRunning: { channel in ready.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    private func receive(_ body: ByteBuffer) {
        let now = Date().timeIntervalSince1970 * 1_000_000
        let stamps = Self.sentAtStamps(in: body)
        received.add(1, ordering: .relaxed)
        eventsReceived.add(max(1, stamps.count), ordering: .relaxed)
        guard recordsLatency.load(ordering: .relaxed), !stamps.isEmpty else { return }
        latencies.withLock { latencies in
            for stamp in stamps { latencies.append((now - Double(stamp)) / 1000) }
        }
    }

    /// Every `"sentAt":` number in the body, found by scanning bytes rather than decoding the JSON.
    static func sentAtStamps(in body: ByteBuffer) -> [Int] {
        let key = Array(#""sentAt":"#.utf8)
        return body.withUnsafeReadableBytes { bytes -> [Int] in
            var stamps: [Int] = []
            var index = 0
            while index + key.count < bytes.count {
                guard bytes[index] == key[0], zip(key.indices, key).allSatisfy({ bytes[index + $0] == $1 }) else {
                    index += 1
                    continue
                }
                index += key.count
                var value = 0
                while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                    value = value * 10 + Int(bytes[index] - 0x30)
                    index += 1
                }
                stamps.append(value)
            }
            return stamps
        }
    }
}
