import Foundation
import PatchbayApp
import PatchbayCore
import PatchbayTestSupport
import Testing

@Suite struct EncryptionKeyStoreTests {
    @Test func createsAPrivateKeyFileOnceAndReusesIt() throws {
        let directory = TestDatabase.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try EncryptionKeyStore.load(environment: [:], dataDirectory: directory)
        let sealed = try first.seal("secret", context: "c")
        let second = try EncryptionKeyStore.load(environment: [:], dataDirectory: directory)
        #expect(try second.open(sealed, context: "c") == "secret")
        let path = directory + "/" + EncryptionKeyStore.fileName
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func prefersTheEnvironmentAndRefusesAMalformedKey() throws {
        let directory = TestDatabase.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = Data(SecretBox.generateKey()).base64EncodedString()
        let fromEnvironment = try EncryptionKeyStore.load(environment: ["PATCHBAY_ENCRYPTION_KEY": key], dataDirectory: directory)
        let again = try SecretBox(keyBytes: Array(Data(base64Encoded: key) ?? Data()))
        #expect(try again.open(try fromEnvironment.seal("x", context: "c"), context: "c") == "x")
        #expect(!FileManager.default.fileExists(atPath: directory + "/" + EncryptionKeyStore.fileName))
        #expect(throws: SecretBox.Failure.self) {
            try EncryptionKeyStore.load(environment: ["PATCHBAY_ENCRYPTION_KEY": "short"], dataDirectory: directory)
        }
    }
}
