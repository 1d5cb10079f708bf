import Crypto
import Foundation
import Testing

@testable import PatchbayCore

/// Each provider's signature made the way the provider documents it, with code independent of Patchbay's.
@Suite struct InboundVerificationTests {
    let body = Array(#"{"id":"evt_1","type":"thing.happened"}"#.utf8)
    let now: Int64 = 1_790_000_000

    func hmacHex(_ key: String, _ message: [UInt8]) -> String {
        HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(key.utf8))).map { String(format: "%02x", $0) }.joined()
    }

    @Test func github() {
        let check = InboundVerification(scheme: .github, secret: "gh-secret")
        let good = ["x-hub-signature-256": "sha256=" + hmacHex("gh-secret", body)]
        #expect(check.verify(headers: good, body: body, now: now) == nil)
        #expect(check.verify(headers: good, body: body + [0x20], now: now) == .badSignature, "tampered body")
        #expect(InboundVerification(scheme: .github, secret: "other").verify(headers: good, body: body, now: now) == .badSignature)
        #expect(check.verify(headers: [:], body: body, now: now) == .missingHeader)
        #expect(check.verify(headers: ["x-hub-signature-256": hmacHex("gh-secret", body)], body: body, now: now) == .malformedHeader)
    }

    @Test func stripeAcceptsAnyOfSeveralV1AndRefusesStaleTimestamps() {
        let check = InboundVerification(scheme: .stripe, secret: "whsec_stripe")
        let signed = hmacHex("whsec_stripe", Array("\(now).".utf8) + body)
        let header = "t=\(now),v1=\(hmacHex("old-secret", body)),v1=\(signed),v0=ignored"
        #expect(check.verify(headers: ["stripe-signature": header], body: body, now: now + 299) == nil)
        #expect(check.verify(headers: ["stripe-signature": header], body: body, now: now + 301) == .staleTimestamp)
        #expect(check.verify(headers: ["stripe-signature": "t=\(now),v1=\(signed)"], body: body + [1], now: now) == .badSignature)
        #expect(check.verify(headers: ["stripe-signature": "v1=\(signed)"], body: body, now: now) == .malformedHeader)
    }

    @Test func slackSignsVersionTimestampAndBody() {
        let check = InboundVerification(scheme: .slack, secret: "slack-signing")
        let headers = ["x-slack-request-timestamp": "\(now)", "x-slack-signature": "v0=" + hmacHex("slack-signing", Array("v0:\(now):".utf8) + body)]
        #expect(check.verify(headers: headers, body: body, now: now) == nil)
        #expect(check.verify(headers: headers, body: body, now: now - 301) == .staleTimestamp)
        #expect(check.verify(headers: ["x-slack-signature": headers["x-slack-signature"]!], body: body, now: now) == .missingHeader)
    }

    @Test func standardWebhooks() {
        let secret = WebhookSecret.generate()
        let check = InboundVerification(scheme: .standardWebhooks, secret: secret.encoded)
        let mac = HMAC<SHA256>.authenticationCode(for: Array("msg_1.\(now).".utf8) + body, using: SymmetricKey(data: secret.bytes))
        let headers = ["webhook-id": "msg_1", "webhook-timestamp": "\(now)", "webhook-signature": "v1," + Data(mac).base64EncodedString()]
        #expect(check.verify(headers: headers, body: body, now: now) == nil)
        #expect(check.verify(headers: headers, body: body, now: now + 400) == .staleTimestamp)
        var wrongId = headers
        wrongId["webhook-id"] = "msg_2"
        #expect(check.verify(headers: wrongId, body: body, now: now) == .badSignature)
    }

    @Test func hmacInHexOrBase64BasicAndHeader() {
        let hex = InboundVerification(scheme: .hmacSHA256, secret: "k", header: "X-Signature", encoding: .hex)
        #expect(hex.verify(headers: ["x-signature": hmacHex("k", body).uppercased()], body: body, now: now) == nil)
        #expect(hex.verify(headers: ["x-signature": "sha256=" + hmacHex("k", body)], body: body, now: now) == nil)
        let base64 = InboundVerification(scheme: .hmacSHA256, secret: "k", header: "X-Signature", encoding: .base64)
        let mac = Data(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array("k".utf8)))).base64EncodedString()
        #expect(base64.verify(headers: ["x-signature": mac], body: body, now: now) == nil)
        #expect(base64.verify(headers: ["x-signature": hmacHex("k", body)], body: body, now: now) == .badSignature)
        let basic = InboundVerification(scheme: .basic, username: "hook", password: "p w")
        #expect(basic.verify(headers: ["authorization": "Basic " + Data("hook:p w".utf8).base64EncodedString()], body: body, now: now) == nil)
        #expect(
            basic.verify(headers: ["authorization": "Basic " + Data("hook:nope".utf8).base64EncodedString()], body: body, now: now) == .badCredentials
        )
        #expect(basic.verify(headers: ["authorization": "Bearer x"], body: body, now: now) == .malformedHeader)
        let header = InboundVerification(scheme: .header, secret: "s3", header: "X-Token")
        #expect(header.verify(headers: ["x-token": "s3"], body: body, now: now) == nil)
        #expect(header.verify(headers: ["x-token": "s4"], body: body, now: now) == .badCredentials)
        #expect(InboundVerification(scheme: .none).verify(headers: [:], body: body, now: now) == nil)
    }

    @Test func settingsNeedWhatTheirSchemeUses() {
        #expect(InboundVerification(scheme: .hmacSHA256).problems().compactMap(\.pointer) == ["/verification/secret", "/verification/header"])
        #expect(InboundVerification(scheme: .standardWebhooks, secret: "plain").problems().compactMap(\.pointer) == ["/verification/secret"])
        #expect(InboundVerification(scheme: .basic, username: "a:b", password: "x").problems().compactMap(\.pointer) == ["/verification/username"])
        #expect(InboundVerification(scheme: .header, secret: "s", header: "Bad Name").problems().compactMap(\.pointer) == ["/verification/header"])
        #expect(InboundVerification(scheme: .none).problems().isEmpty)
    }
}

/// Reading a verified body: event data, the provider's delivery id, Slack's challenge, and what the history keeps.
@Suite struct InboundPayloadTests {
    func read(_ body: String, _ headers: [String: String] = [:], scheme: InboundVerification.Scheme = .none) -> Result<
        InboundPayload, InboundPayload.Problem
    > {
        InboundPayload.read(body: Array(body.utf8), headers: headers, scheme: scheme)
    }

    @Test func bodiesBecomeObjects() throws {
        #expect(try read(#"{"a":1}"#).get().data == ["a": 1])
        #expect(try read("  \n").get().data == [:], "an empty body is an empty object")
        let form = ["content-type": "application/x-www-form-urlencoded; charset=utf-8"]
        #expect(try read("a=1&b=two+words&c=%26", form).get().data == ["a": "1", "b": "two words", "c": "&"])
        #expect(try read("payload=%7B%22x%22%3Atrue%7D", form).get().data == ["x": true], "GitHub's and Slack's payload field")
        #expect(try read("payload=not-json", form).get().data == ["payload": "not-json"])
        guard case .failure(let notJSON) = read("{nope") else { Issue.record("accepted invalid JSON"); return }
        #expect(notJSON.malformed)
        guard case .failure(let notObject) = read("[1]") else { Issue.record("accepted an array"); return }
        #expect(!notObject.malformed && notObject.pointer == "")
    }

    @Test func deliveryIdsComeFromEachProvidersField() throws {
        #expect(try read("{}", ["webhook-id": "msg_1"], scheme: .standardWebhooks).get().deliveryId == "msg_1")
        #expect(try read("{}", ["x-github-delivery": "72d3"], scheme: .github).get().deliveryId == "72d3")
        #expect(try read(#"{"id":"evt_9"}"#, [:], scheme: .stripe).get().deliveryId == "evt_9")
        #expect(try read(#"{"event_id":"Ev1"}"#, [:], scheme: .slack).get().deliveryId == "Ev1")
        #expect(try read("{}", ["idempotency-key": "k"], scheme: .hmacSHA256).get().deliveryId == "k")
        #expect(try read(#"{"id":"evt_9"}"#, [:], scheme: .github).get().deliveryId == nil, "a body id counts for Stripe only")
        let long = String(repeating: "x", count: 300)
        #expect(try read("{}", ["webhook-id": long], scheme: .standardWebhooks).get().deliveryId == "sha256:" + TokenSecret.sha256Hex(long))
    }

    @Test func slackChallengeOnlyForSlack() throws {
        let body = #"{"type":"url_verification","challenge":"abc"}"#
        #expect(try read(body, scheme: .slack).get().slackChallenge == "abc")
        #expect(try read(body, scheme: .github).get().slackChallenge == nil)
    }

    @Test func historyMasksCredentialsAndKeepsBinaryAsBase64() {
        let headers = ["authorization": "Basic eDp5", "x-api-key": "secret", "cookie": "a=b", "x-other": "kept"]
        let recorded = InboundPayload.recordedHeaders(
            headers, verification: InboundVerification(scheme: .header, secret: "secret", header: "X-Api-Key"))
        #expect(recorded == ["authorization": "****", "x-api-key": "****", "cookie": "****", "x-other": "kept"])
        #expect(InboundPayload.storedBody(Array("héllo".utf8)) == ("héllo", "utf8"))
        #expect(InboundPayload.storedBody([0x61, 0x00]) == ("YQA=", "base64"), "NUL is not text PostgreSQL keeps")
        #expect(InboundPayload.storedBody([0xFF]) == ("/w==", "base64"))
    }

    @Test func urlTokensAreLongAndURLSafe() {
        let tokens = (0..<100).map { _ in InboundWebhook.makeURLToken() }
        #expect(Set(tokens).count == 100 && tokens.allSatisfy(InboundWebhook.isWellFormedToken))
        #expect(!InboundWebhook.isWellFormedToken("short") && !InboundWebhook.isWellFormedToken(String(repeating: "/", count: 32)))
    }
}
