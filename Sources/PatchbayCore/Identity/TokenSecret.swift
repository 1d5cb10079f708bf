import Crypto

/// A freshly minted access-token secret. Only `hash` is stored; `token` is shown to the caller once.
public struct TokenSecret: Sendable {
    public static let tag = "pb_"
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
    /// 43 base-62 characters carry just over 256 bits.
    private static let randomLength = 43
    /// Characters of the token kept as a visible prefix, enough to recognise it in a list.
    public static let prefixLength = 11

    public let token: String
    public let prefix: String
    public let hash: String

    public static func generate() -> TokenSecret {
        var generator = SystemRandomNumberGenerator()
        var characters = [UInt8]()
        characters.reserveCapacity(randomLength)
        for _ in 0..<randomLength {
            // 62 does not divide 256: draw uniformly instead of taking a modulus.
            characters.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)])
        }
        let token = tag + String(decoding: characters, as: UTF8.self)
        return TokenSecret(token: token, prefix: String(token.prefix(prefixLength)), hash: hash(of: token))
    }

    /// SHA-256, hex. Tokens carry 256 random bits, so a fast hash is the right tool (as GitHub does):
    /// the lookup is by hash, and a slow KDF would only slow every request.
    public static func hash(of token: String) -> String { sha256Hex(token) }

    /// Lower-case hex SHA-256 of the UTF-8 bytes of `text`.
    public static func sha256Hex(_ text: String) -> String { hex(Array(SHA256.hash(data: Array(text.utf8)))) }

    /// Lower-case hex of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Compares two secrets in time independent of where they differ.
    public static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        constantTimeEquals(Array(lhs.utf8), Array(rhs.utf8))
    }

    /// As above, for bytes (a decoded Basic credential need not be UTF-8).
    public static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(lhs.count == rhs.count ? 0 : 1)
        for index in 0..<max(lhs.count, rhs.count) {
            difference |= (index < lhs.count ? lhs[index] : 0) ^ (index < rhs.count ? rhs[index] : 0)
        }
        return difference == 0
    }
}
