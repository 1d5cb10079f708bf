import Synchronization

/// Opaque, type-prefixed identifiers (`org_…`, `usr_…`).
///
/// The part after the prefix is 26 Crockford base-32 characters: 48 bits of milliseconds followed by
/// 80 random bits, so identifiers sort roughly by creation time (useful as a keyset tie-breaker) and
/// cannot be guessed.
public enum IdentifierPrefix: String, Sendable, CaseIterable {
    case organization = "org"
    case user = "usr"
    case integration = "int"
    case token = "tok"
    case event = "evt"
    case webhook = "wh"
    case delivery = "dlv"
    case attempt = "att"
    case inbound = "inb"
    /// A request received on an inbound endpoint.
    case inboundRequest = "req"
    /// A synchronous call to an endpoint integration (its `webhook-id`).
    case message = "msg"
    case installation = "ins"
    case action = "act"
    case command = "cmd"
    case commandInvocation = "cin"
    /// A single-use console portal link.
    case consoleLink = "cln"
}

public enum Identifier {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// The last identifier's time and random part (80 bits: `high` holds the top 16): within one millisecond (or if
    /// the clock steps back) the next identifier is the previous one plus one, so identifiers made by this process
    /// strictly increase and lists ordered by id keep creation order.
    private struct Last {
        var millis: UInt64 = 0
        var high: UInt16 = 0
        var low: UInt64 = 0
        var seeded = false
    }

    private static let last = Mutex(Last())

    /// Makes a new identifier with the given prefix at the given time. No arrays: an attempt id is made for every
    /// delivery.
    public static func make(_ prefix: IdentifierPrefix, nowMillis: Int64) -> String {
        let (millis, high, low) = last.withLock { state -> (UInt64, UInt16, UInt64) in
            let now = UInt64(max(0, nowMillis))
            if state.seeded, now <= state.millis, let (high, low) = increment(state.high, state.low) {
                (state.high, state.low) = (high, low)
            } else {
                var generator = SystemRandomNumberGenerator()
                // The top bit starts clear, leaving room to count up within one millisecond.
                state.high = UInt16.random(in: 0...0x7FFF, using: &generator)
                state.low = generator.next()
                state.millis = max(now, state.millis)
                state.seeded = true
            }
            return (state.millis, state.high, state.low)
        }
        // 48 bits of milliseconds, then the 80 random bits.
        return encode(prefix: prefix.rawValue, high: (millis & 0xFFFF_FFFF_FFFF) << 16 | UInt64(high), low: low)
    }

    /// The 80-bit value plus one; nil when it wraps.
    private static func increment(_ high: UInt16, _ low: UInt64) -> (UInt16, UInt64)? {
        if low != .max { return (high, low + 1) }
        return high == .max ? nil : (high + 1, 0)
    }

    /// Whether `value` looks like an identifier of the given kind (cheap check before a lookup).
    public static func isWellFormed(_ value: String, _ prefix: IdentifierPrefix) -> Bool {
        let utf8 = Array(value.utf8)
        let head = prefix.rawValue.utf8.count + 1
        guard utf8.count == head + 26, value.hasPrefix(prefix.rawValue + "_") else { return false }
        return utf8[head...].allSatisfy { alphabet.contains($0) }
    }

    /// `prefix`, `_`, and the 128 bits `high` then `low` in Crockford base-32 (26 characters).
    private static func encode(prefix: String, high: UInt64, low: UInt64) -> String {
        var prefix = prefix
        let head = prefix.utf8.count
        return prefix.withUTF8 { prefixBytes in
            String(unsafeUninitializedCapacity: head + 27) { output in
                _ = output.initialize(from: prefixBytes)
                output[head] = 0x5F
                var (high, low) = (high, low)
                for index in (head + 1..<head + 27).reversed() {
                    output[index] = alphabet[Int(low & 31)]
                    low = (low >> 5) | ((high & 31) << 59)
                    high >>= 5
                }
                return head + 27
            }
        }
    }
}
