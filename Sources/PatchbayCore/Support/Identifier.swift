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

    /// The last identifier's time and random part: within one millisecond (or if the clock steps back) the next
    /// identifier is the previous one plus one, so identifiers made by this process strictly increase and lists
    /// ordered by id keep creation order.
    private static let last = Mutex<(millis: UInt64, random: [UInt8])>((0, []))

    /// Makes a new identifier with the given prefix at the given time.
    public static func make(_ prefix: IdentifierPrefix, nowMillis: Int64) -> String {
        let (millis, random) = last.withLock { state -> (UInt64, [UInt8]) in
            let now = UInt64(max(0, nowMillis))
            if now <= state.millis, let incremented = increment(state.random) {
                state.random = incremented
            } else {
                var generator = SystemRandomNumberGenerator()
                // The top bit starts clear, leaving room to count up within one millisecond.
                state.random = (0..<10).map { index in UInt8.random(in: 0...(index == 0 ? 127 : 255), using: &generator) }
                state.millis = max(now, state.millis)
            }
            return (state.millis, state.random)
        }
        var bytes = [UInt8](repeating: 0, count: 6)
        for index in 0..<6 {
            bytes[index] = UInt8(truncatingIfNeeded: millis >> (8 * UInt64(5 - index)))
        }
        return prefix.rawValue + "_" + encode(bytes + random)
    }

    private static func increment(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count == 10 else { return nil }
        var result = bytes
        for index in (0..<10).reversed() {
            if result[index] == 255 {
                result[index] = 0
            } else {
                result[index] += 1
                return result
            }
        }
        return nil
    }

    /// Whether `value` looks like an identifier of the given kind (cheap check before a lookup).
    public static func isWellFormed(_ value: String, _ prefix: IdentifierPrefix) -> Bool {
        let utf8 = Array(value.utf8)
        let head = prefix.rawValue.utf8.count + 1
        guard utf8.count == head + 26, value.hasPrefix(prefix.rawValue + "_") else { return false }
        return utf8[head...].allSatisfy { alphabet.contains($0) }
    }

    /// Crockford base-32 of 128 bits, 26 characters (the first carries 3 bits).
    static func encode(_ bytes: [UInt8]) -> String {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<8 { high = high << 8 | UInt64(bytes[index]) }
        for index in 8..<16 { low = low << 8 | UInt64(bytes[index]) }
        var output = [UInt8](repeating: 0, count: 26)
        for index in (0..<26).reversed() {
            output[index] = alphabet[Int(low & 31)]
            low = (low >> 5) | ((high & 31) << 59)
            high >>= 5
        }
        return String(decoding: output, as: UTF8.self)
    }
}
