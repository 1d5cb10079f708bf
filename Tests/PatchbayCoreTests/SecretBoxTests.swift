import Foundation
import Testing

@testable import PatchbayCore

@Suite struct SecretBoxTests {
    @Test func sealsAndOpensBoundToItsContext() throws {
        let box = try SecretBox(keyBytes: SecretBox.generateKey())
        let sealed = try box.seal("whsec_abc", context: "wh_1/secret")
        #expect(!sealed.contains("whsec_abc"))
        #expect(try box.seal("whsec_abc", context: "wh_1/secret") != sealed, "a fresh nonce every time")
        #expect(try box.open(sealed, context: "wh_1/secret") == "whsec_abc")
        #expect(throws: SecretBox.Failure.self) { try box.open(sealed, context: "wh_2/secret") }
        let other = try SecretBox(keyBytes: SecretBox.generateKey())
        #expect(throws: SecretBox.Failure.self) { try other.open(sealed, context: "wh_1/secret") }
        // Flip a real byte (editing base64 text could land on padding bits that decoders ignore).
        var bytes = try #require(Data(base64Encoded: String(sealed.dropFirst(3))))
        bytes[bytes.count - 1] ^= 0x01
        #expect(throws: SecretBox.Failure.self) { try box.open("v1:" + bytes.base64EncodedString(), context: "wh_1/secret") }
        #expect(throws: SecretBox.Failure.self) { try box.open("plaintext", context: "wh_1/secret") }
    }

    @Test func refusesShortKeys() {
        #expect(throws: SecretBox.Failure.self) { try SecretBox(keyBytes: [1, 2, 3]) }
    }
}
