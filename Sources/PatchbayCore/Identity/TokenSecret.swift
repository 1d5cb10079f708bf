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
    public static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Compares two secrets in time independent of where they differ.
    public static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        var difference = UInt8(left.count == right.count ? 0 : 1)
        for index in 0..<max(left.count, right.count) {
            let a = index < left.count ? left[index] : 0
            let b = index < right.count ? right[index] : 0
            difference |= a ^ b
        }
        return difference == 0
    }
}
