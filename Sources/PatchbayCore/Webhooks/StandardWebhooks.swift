import Crypto
import Foundation

/// A webhook signing secret: `whsec_` followed by the base64 of 24 to 64 random bytes (Standard Webhooks).
public struct WebhookSecret: Sendable, Equatable {
    public static let prefix = "whsec_"
    public static let allowedByteCounts = 24...64

    public let bytes: [UInt8]
    /// HMAC keyed with this secret, ready to sign: keying it (hashing the padded key) for every request was as much
    /// work as hashing a small body.
    let keyed: PrekeyedHMAC

    public init?(_ text: String) {
        guard text.hasPrefix(Self.prefix), let data = Data(base64Encoded: String(text.dropFirst(Self.prefix.count))),
            Self.allowedByteCounts.contains(data.count)
        else { return nil }
        self.init(bytes: Array(data))
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
        self.keyed = PrekeyedHMAC(key: bytes)
    }

    public static func == (lhs: WebhookSecret, rhs: WebhookSecret) -> Bool { lhs.bytes == rhs.bytes }

    public static func generate(byteCount: Int = 32) -> WebhookSecret {
        var generator = SystemRandomNumberGenerator()
        return WebhookSecret(bytes: (0..<byteCount).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    public var encoded: String { Self.prefix + Data(bytes).base64EncodedString() }
}

/// Signing and verification per the Standard Webhooks specification:
/// `webhook-signature: v1,<base64 HMAC-SHA256(secret, "{webhook-id}.{webhook-timestamp}.{body}")>`.
public enum StandardWebhooks {
    /// Verification refuses timestamps further than this from now (replay protection).
    public static let toleranceSeconds: Int64 = 300

    /// One `v1,…` signature per secret, space-separated (several while a rotated secret is still valid).
    public static func signatureHeader(id: String, timestamp: Int64, body: [UInt8], secrets: [WebhookSecret]) -> String {
        secrets.map { "v1," + signature(id: id, timestamp: timestamp, body: body, secret: $0) }.joined(separator: " ")
    }

    public static func signature(id: String, timestamp: Int64, body: [UInt8], secret: WebhookSecret) -> String {
        // Fed in two parts: the body is not copied to put the prefix in front of it.
        var prefix = id
        prefix += "."
        prefix += String(timestamp)
        prefix += "."
        return prefix.withUTF8 { prefix in
            body.withUnsafeBytes { body in
                secret.keyed.authenticationCode(UnsafeRawBufferPointer(prefix), body).withUnsafeBytes { Data($0).base64EncodedString() }
            }
        }
    }

    /// Whether any `v1` signature in `header` matches under any of `secrets`, with the timestamp within tolerance.
    public static func verify(id: String, timestamp: Int64, body: [UInt8], header: String, secrets: [WebhookSecret], now: Int64) -> Bool {
        guard now.absoluteDifference(timestamp) <= toleranceSeconds else { return false }
        let offered = header.split(separator: " ").compactMap { entry -> String? in
            let parts = entry.split(separator: ",", maxSplits: 1)
            return parts.count == 2 && parts[0] == "v1" ? String(parts[1]) : nil
        }
        for secret in secrets {
            let expected = signature(id: id, timestamp: timestamp, body: body, secret: secret)
            if offered.contains(where: { TokenSecret.constantTimeEquals($0, expected) }) { return true }
        }
        return false
    }
}

/// HMAC-SHA256 (RFC 2104) keyed once, fed through SHA-256's non-generic `update(bufferPointer:)`: `HMAC`'s only
/// `update(data:)` is generic, and unspecialized across modules it looked up type metadata at every call of every
/// delivery's signature.
struct PrekeyedHMAC: Sendable {
    /// SHA-256 after the key XOR ipad block, and after the key XOR opad block.
    private let inner: SHA256
    private let outer: SHA256

    init(key: [UInt8]) {
        var block = key.count > 64 ? Array(SHA256.hash(data: key)) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        var inner = SHA256()
        var outer = SHA256()
        block.map { $0 ^ 0x36 }.withUnsafeBytes { inner.update(bufferPointer: $0) }
        block.map { $0 ^ 0x5C }.withUnsafeBytes { outer.update(bufferPointer: $0) }
        self.inner = inner
        self.outer = outer
    }

    /// The MAC of the parts, in order, as one message.
    func authenticationCode(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer) -> SHA256.Digest {
        var inner = self.inner
        inner.update(bufferPointer: first)
        inner.update(bufferPointer: second)
        var outer = self.outer
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize()
    }
}
