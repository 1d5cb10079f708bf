import Foundation
import NIOCore
import NIOPosix
import PatchbayCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Turns a host name into addresses. A protocol so tests can make a name resolve to anything.
public protocol HostResolver: Sendable {
    func resolve(_ host: String) async throws -> [IPAddress]
}

/// The system resolver (getaddrinfo) on threads of its own, with a deadline and a cap on look-ups in flight.
/// getaddrinfo cannot be cancelled, so a name server that never answers holds a thread; on a pool of its own it holds
/// only other look-ups (never database reads or document parses), the caller stops waiting at the deadline, and past
/// the cap a look-up fails at once instead of queueing behind the stuck ones.
public struct SystemHostResolver: HostResolver {
    public static let threadCount = 4
    public static let maximumInFlight = 64
    public let timeout: TimeAmount

    private static let threads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: threadCount)
        pool.start()
        return pool
    }()
    private static let inFlight = Mutex(0)

    /// getaddrinfo; tests give a look-up that blocks, as a name server that never answers makes it.
    let lookUp: @Sendable (String) throws -> [IPAddress]

    public init(timeout: TimeAmount = .seconds(5)) {
        self.init(timeout: timeout, lookUp: Self.lookUp)
    }

    init(timeout: TimeAmount, lookUp: @escaping @Sendable (String) throws -> [IPAddress]) {
        self.timeout = timeout
        self.lookUp = lookUp
    }

    public func resolve(_ host: String) async throws -> [IPAddress] {
        if let literal = IPAddress(host: host) { return [literal] }
        let admitted = Self.inFlight.withLock { count in
            guard count < Self.maximumInFlight else { return false }
            count += 1
            return true
        }
        guard admitted else { throw DeliveryError.resolution(host: host, reason: "too many look-ups in progress") }
        let (timeout, lookUp) = (self.timeout, self.lookUp)
        return try await withCheckedThrowingContinuation { continuation in
            let outcome = FirstOutcome(continuation)
            let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: timeout) {
                outcome.resume(with: .failure(DeliveryError.resolution(host: host, reason: "no answer within \(timeout.nanoseconds / 1_000_000) ms")))
            }
            Self.threads.submit { state in
                defer { Self.inFlight.withLock { $0 -= 1 } }
                guard state == .active else {
                    return outcome.resume(with: .failure(DeliveryError.resolution(host: host, reason: "resolver stopped")))
                }
                outcome.resume(with: Result { try lookUp(host) })
                timer.cancel()
            }
        }
    }

    static func lookUp(_ host: String) throws -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else {
            throw DeliveryError.resolution(host: host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let socketAddress = entry.pointee.ai_addr {
                switch Int32(socketAddress.pointee.sa_family) {
                case AF_INET:
                    let value = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) }
                    addresses.append(.v4(value))
                case AF_INET6:
                    let groups = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin6_addr) { raw in
                            (0..<8).map { UInt16(raw[2 * $0]) << 8 | UInt16(raw[2 * $0 + 1]) }
                        }
                    }
                    addresses.append(.v6(groups))
                default:
                    break
                }
            }
            cursor = entry.pointee.ai_next
        }
        guard !addresses.isEmpty else { throw DeliveryError.resolution(host: host, reason: "no addresses") }
        var seen = Set<IPAddress>()
        return addresses.filter { seen.insert($0).inserted }
    }
}

/// Why a request was not sent or did not complete. `description` is safe to store and show.
public enum DeliveryError: Error, Sendable, CustomStringConvertible, Equatable {
    case resolution(host: String, reason: String)
    case forbiddenTarget(String)
    case invalidURL(String)

    public var description: String {
        switch self {
        case .resolution(let host, let reason): "could not resolve \(host): \(reason)"
        case .forbiddenTarget(let reason): "refused by the SSRF guard: \(reason)"
        case .invalidURL(let reason): "invalid URL: \(reason)"
        }
    }
}

/// Resumes a continuation once, with whichever outcome comes first (the look-up or its deadline).
private final class FirstOutcome: Sendable {
    private let continuation: Mutex<CheckedContinuation<[IPAddress], any Error>?>

    init(_ continuation: CheckedContinuation<[IPAddress], any Error>) { self.continuation = Mutex(continuation) }

    func resume(with result: Result<[IPAddress], any Error>) {
        let waiting = continuation.withLock { value in
            defer { value = nil }
            return value
        }
        waiting?.resume(with: result)
    }
}
