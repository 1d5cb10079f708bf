import Foundation
import PatchbayCore

/// Where the key that encrypts secrets at rest comes from: `PATCHBAY_SECRET_KEY` (base64 of 32 bytes; the earlier
/// name `PATCHBAY_ENCRYPTION_KEY` is still read), or
/// `encryption.key` in the data directory, created with mode 0600 on first use. Instances sharing a PostgreSQL
/// database must share the key: set the environment variable on each of them.
public enum EncryptionKeyStore {
    public static let fileName = "encryption.key"

    public static func load(environment: [String: String], dataDirectory: String) throws -> SecretBox {
        for name in ["PATCHBAY_SECRET_KEY", "PATCHBAY_ENCRYPTION_KEY"] {
            guard let encoded = environment[name], !encoded.isEmpty else { continue }
            guard let data = Data(base64Encoded: encoded), data.count == 32 else {
                throw SecretBox.Failure(description: "\(name) must be the base64 of 32 bytes (openssl rand -base64 32)")
            }
            return try SecretBox(keyBytes: Array(data))
        }
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(fileName).path
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
                throw SecretBox.Failure(description: "\(path) does not hold the base64 of 32 bytes")
            }
            return try SecretBox(keyBytes: Array(data))
        }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let key = SecretBox.generateKey()
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data((Data(key).base64EncodedString() + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else { throw SecretBox.Failure(description: "cannot write \(path)") }
        return try SecretBox(keyBytes: key)
    }
}
