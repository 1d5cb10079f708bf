import Foundation
import NIOPosix
import PatchbayCore

#if canImport(Glibc)
    import Glibc
#endif

/// Turns a host name into addresses. A protocol so tests can make a name resolve to anything.
public protocol HostResolver: Sendable {
    func resolve(_ host: String) async throws -> [IPAddress]
}

/// The system resolver (getaddrinfo), run on NIO's blocking thread pool.
public struct SystemHostResolver: HostResolver {
    public init() {}

    public func resolve(_ host: String) async throws -> [IPAddress] {
        if let literal = IPAddress(host: host) { return [literal] }
        return try await NIOThreadPool.singleton.runIfActive { try Self.lookUp(host) }
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
