import Foundation
import Synchronization

/// Where "now" comes from. Injected wherever expiry, retries or leases are decided, so tests can move time.
public protocol TimeSource: Sendable {
    var nowMillis: Int64 { get }
}

/// The real wall clock.
public struct SystemTimeSource: TimeSource {
    public init() {}
    public var nowMillis: Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}

/// A clock that only moves when told to; for tests.
public final class ManualTimeSource: TimeSource {
    private let current: Mutex<Int64>
    public init(nowMillis: Int64) { self.current = Mutex(nowMillis) }
    public var nowMillis: Int64 { current.withLock { $0 } }
    public func advance(byMillis millis: Int64) { current.withLock { $0 += millis } }
}
