import Crypto
import Foundation
import PatchbayTestSupport
import Testing

@testable import PatchbayCore

@Suite struct SigningAndRetryTests {
    /// The example from the Standard Webhooks specification's reference libraries.
    @Test func matchesTheStandardWebhooksReferenceVector() throws {
        let secret = try #require(WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let header = StandardWebhooks.signatureHeader(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8), secrets: [secret]
        )
        #expect(header == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    /// The pre-keyed HMAC agrees with swift-crypto's for keys shorter than, as long as and longer than SHA-256's
    /// block, and for messages split anywhere.
    @Test func prekeyedHMACAgreesWithCryptosHMAC() {
        var generator = SystemRandomNumberGenerator()
        for keyLength in [0, 1, 24, 63, 64, 65, 200] {
            let key = (0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let message = (0..<300).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
            for split in [0, 1, 64, 299, 300] {
                let ours = message[..<split].withUnsafeBytes { first in
                    message[split...].withUnsafeBytes { second in Array(PrekeyedHMAC(key: key).authenticationCode(first, second)) }
                }
                #expect(ours == expected, "key of \(keyLength) bytes, split at \(split)")
            }
        }
    }

    /// Cross-checks with an independent implementation: Python's standard library, run as a separate process.
    @Test func agreesWithAnIndependentImplementation() throws {
        let secret = WebhookSecret.generate()
        let body = #"{"type":"thread.created","data":{"title":"Zoë \"quoted\" 🚀"}}"#
        let ours = StandardWebhooks.signature(id: "evt_01ABC", timestamp: 1_795_341_600, body: Array(body.utf8), secret: secret)
        let script = """
            import base64, hashlib, hmac, sys
            secret, msg_id, ts, body = sys.argv[1], sys.argv[2], sys.argv[3], sys.stdin.buffer.read()
            key = base64.b64decode(secret[len("whsec_"):])
            print(base64.b64encode(hmac.new(key, msg_id.encode() + b"." + ts.encode() + b"." + body, hashlib.sha256).digest()).decode())
            """
        let input = Pipe()
        let output = Pipe()
        let process = try ChildProcess(
            executable: "/usr/bin/env", arguments: ["python3", "-c", script, secret.encoded, "evt_01ABC", "1795341600"],
            standardInput: input.fileHandleForReading.fileDescriptor, standardOutput: output.fileHandleForWriting.fileDescriptor)
        try input.fileHandleForReading.close()
        try output.fileHandleForWriting.close()
        input.fileHandleForWriting.write(Data(body.utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        let theirs = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(process.terminationStatus == 0)
        #expect(theirs == ours)
    }

    @Test func verificationAcceptsRotatedSecretsAndRefusesTampering() {
        let old = WebhookSecret.generate()
        let new = WebhookSecret.generate(byteCount: 64)
        let body = Array(#"{"a":1}"#.utf8)
        let header = StandardWebhooks.signatureHeader(id: "msg_1", timestamp: 1000, body: body, secrets: [new, old])
        #expect(header.split(separator: " ").count == 2)
        #expect(StandardWebhooks.verify(id: "msg_1", timestamp: 1000, body: body, header: header, secrets: [old], now: 1100))
        #expect(StandardWebhooks.verify(id: "msg_1", timestamp: 1000, body: body, header: header, secrets: [new], now: 900))
        #expect(!StandardWebhooks.verify(id: "msg_1", timestamp: 1000, body: Array(#"{"a":2}"#.utf8), header: header, secrets: [old], now: 1000))
        #expect(!StandardWebhooks.verify(id: "msg_2", timestamp: 1000, body: body, header: header, secrets: [old], now: 1000))
        #expect(!StandardWebhooks.verify(id: "msg_1", timestamp: 1000, body: body, header: header, secrets: [old], now: 1301), "too old")
        #expect(!StandardWebhooks.verify(id: "msg_1", timestamp: 1000, body: body, header: "v2,abc", secrets: [old], now: 1000))
    }

    @Test(arguments: [
        "whsec_", "secret", "whsec_!!!", "whsec_" + Data(count: 23).base64EncodedString(), "whsec_" + Data(count: 65).base64EncodedString(),
    ])
    func refusesMalformedSecrets(text: String) {
        #expect(WebhookSecret(text) == nil)
    }

    @Test func secretsRoundTrip() throws {
        let secret = WebhookSecret.generate()
        #expect(secret.encoded.hasPrefix("whsec_"))
        #expect(try #require(WebhookSecret(secret.encoded)) == secret)
        #expect(secret.bytes.count == 32)
    }

    @Test func retriesFollowTheJitteredScheduleThenStop() {
        let policy = RetryPolicy(schedule: .standard)
        #expect(policy.nextAttempt(after: 1, now: 0, retryAfterMillis: nil, unit: 0.5) == 5_000)
        #expect(policy.nextAttempt(after: 1, now: 0, retryAfterMillis: nil, unit: 0) == 4_000)
        #expect(policy.nextAttempt(after: 1, now: 0, retryAfterMillis: nil, unit: 0.999_999) == 6_000)
        #expect(policy.nextAttempt(after: 2, now: 10, retryAfterMillis: nil, unit: 0.5) == 300_010)
        #expect(policy.nextAttempt(after: 7, now: 0, retryAfterMillis: nil, unit: 0.5) == 36_000_000)
        #expect(policy.nextAttempt(after: 8, now: 0, retryAfterMillis: nil, unit: 0.5) == nil)
        #expect(policy.nextAttempt(after: 1, now: 0, retryAfterMillis: 60_000, unit: 0.5) == 60_000, "Retry-After later than the schedule wins")
        #expect(policy.nextAttempt(after: 2, now: 0, retryAfterMillis: 1_000, unit: 0.5) == 300_000, "never sooner than the schedule")
        #expect(policy.nextAttempt(after: 1, now: 0, retryAfterMillis: 10 * 86_400_000, unit: 0.5) == RetryPolicy.maxRetryAfterMillis)
    }

    @Test func retryAfterIsReadInBothForms() {
        let now = Timestamp.parse("2026-11-22T10:00:00Z") ?? 0
        #expect(RetryPolicy.retryAfterMillis("120", now: now) == 120_000)
        #expect(RetryPolicy.retryAfterMillis("Sun, 22 Nov 2026 10:01:30 GMT", now: now) == 90_000)
        #expect(RetryPolicy.retryAfterMillis("Sun, 22 Nov 2026 09:00:00 GMT", now: now) == 0)
        #expect(RetryPolicy.retryAfterMillis("soon", now: now) == nil)
        #expect(RetryPolicy.retryAfterMillis("-5", now: now) == nil)
    }
}
