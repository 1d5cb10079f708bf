import Crypto
import Foundation

/// Encrypts secrets at rest (webhook signing secrets, authorization tokens, connector credentials) with
/// AES-256-GCM. Each value is bound to a context string (such as `wh_…/secret`) as associated data, so a sealed
/// value copied into another row or field does not open.
public struct SecretBox: Sendable {
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let description: String

        public init(description: String) { self.description = description }
    }

    static let version = "v1:"
    private let key: SymmetricKey

    /// `keyBytes` must be 32 random bytes.
    public init(keyBytes: [UInt8]) throws {
        guard keyBytes.count == 32 else { throw Failure(description: "an encryption key must be 32 bytes (got \(keyBytes.count))") }
        key = SymmetricKey(data: keyBytes)
    }

    public static func generateKey() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    public func seal(_ plaintext: String, context: String) throws -> String {
        let box = try AES.GCM.seal(Array(plaintext.utf8), using: key, authenticating: Array(context.utf8))
        guard let combined = box.combined else { throw Failure(description: "sealing failed") }
        return Self.version + combined.base64EncodedString()
    }

    /// Opens a sealed value; fails when it was sealed with another key, for another context, or was altered.
    public func open(_ sealed: String, context: String) throws -> String {
        guard sealed.hasPrefix(Self.version), let data = Data(base64Encoded: String(sealed.dropFirst(Self.version.count))) else {
            throw Failure(description: "not a sealed value")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: data)
            let plaintext = try AES.GCM.open(box, using: key, authenticating: Array(context.utf8))
            return String(decoding: plaintext, as: UTF8.self)
        } catch {
            throw Failure(description: "the value does not open with this key and context")
        }
    }
}
