import Foundation
import Testing

@testable import PatchbayCore

/// Numbers from outside, as a hostile client or third party sends them, go through checked arithmetic: each place
/// gives its documented answer and none traps (a trap here took the whole server down).
@Suite struct HostileNumberTests {
    static let texts = [
        "-9223372036854775808", "9223372036854775807", "9223372036854775808", "1e300", "-1e300", "-1", "1.5", "1e3", "",
        "1" + String(repeating: "0", count: 99),
    ]
    static let now: Int64 = 1_795_341_600

    @Test(arguments: texts)
    func timestampedSignatureHeadersRefuseHostileTimestamps(_ text: String) {
        let body = Array(#"{"n":1}"#.utf8)
        let standard = InboundVerification(scheme: .standardWebhooks, secret: WebhookSecret.generate().encoded)
        let headers = ["webhook-id": "msg_1", "webhook-timestamp": text, "webhook-signature": "v1,AAAA"]
        #expect([.malformedHeader, .staleTimestamp].contains(standard.verify(headers: headers, body: body, now: Self.now)))
        let stripe = InboundVerification(scheme: .stripe, secret: "whsec_s")
        #expect(
            [.malformedHeader, .staleTimestamp].contains(stripe.verify(headers: ["stripe-signature": "t=\(text),v1=00"], body: body, now: Self.now)))
        let slack = InboundVerification(scheme: .slack, secret: "s")
        let slackHeaders = ["x-slack-request-timestamp": text, "x-slack-signature": "v0=00"]
        #expect([.malformedHeader, .staleTimestamp].contains(slack.verify(headers: slackHeaders, body: body, now: Self.now)))
        // The far ends of time, on either side of now, are stale rather than an overflow.
        #expect(!StandardWebhooks.verify(id: "m", timestamp: .min, body: body, header: "v1,AAAA", secrets: [], now: .max))
    }

    @Test(arguments: ["-9223372036854775808", "9223372036854775807", "9223372036854775808", "1e300", "-1e300", "-1", #""1e3""#, #""""#])
    func tokenLifetimesOutOfRangeAreMalformedAnswers(_ json: String) {
        var auth = APISettings.Auth(type: .oauth2)
        auth.tokenUrl = "https://auth.example.com/token"
        let body = Array(#"{"access_token":"at","expires_in":\#(json)}"#.utf8)
        guard case .malformed(let reason) = OAuthProtocol.readTokenResponse(status: 200, body: body, auth: auth, now: 0, previousRefreshToken: nil)
        else {
            Issue.record("expires_in \(json) was taken")
            return
        }
        #expect(reason.contains("expires_in"))
    }

    @Test func tokenLifetimesInRangeAreTakenWhateverTheirForm() {
        let auth = APISettings.Auth(type: .oauth2)
        for (json, millis) in [("3600", 3_600_000), ("1.5", 1_000), (#""3600""#, 3_600_000), ("315360000", 315_360_000_000), ("null", nil)]
            as [(String, Int64?)]
        {
            let body = Array(#"{"access_token":"at","expires_in":\#(json)}"#.utf8)
            guard case .tokens(let tokens) = OAuthProtocol.readTokenResponse(status: 200, body: body, auth: auth, now: 0, previousRefreshToken: nil)
            else {
                Issue.record("expires_in \(json) was refused")
                return
            }
            #expect(tokens.expiresAt == millis, "\(json)")
        }
        // A stored expiry at the far end (from before these checks) saturates instead of trapping.
        let stored = OAuthTokens(accessToken: "at", refreshToken: "rt", expiresAt: .min, obtainedAt: .max)
        #expect(stored.refreshDueAt(auth: auth) == .min)
        #expect(stored.needsRefresh(at: 0, auth: auth))
    }

    @Test(arguments: ["1e300", "-1e300", "1.5", "9223372036854775808", "1" + String(repeating: "0", count: 99)])
    func unusableNumericCursorsFailTheRun(_ json: String) throws {
        var settings = APISettings.Pagination(type: .pointer)
        settings.resultsKey = "data"
        settings.afterParam = "after"
        settings.pointerPath = "$.next"
        var engine = PaginationEngine(settings: settings)
        let raw = Array(#"{"data":[1,2],"next":\#(json)}"#.utf8)
        let body = try JSONDecoder().decode(JSONValue.self, from: Data(raw))
        let step = engine.next(after: OutboundRequest(method: "GET", url: "https://h.test/x"), headers: [], body: body, rawBody: raw)
        guard case .unusable(let reason) = step else {
            Issue.record("\(json): \(step)")
            return
        }
        #expect(reason.contains("cursor"))
    }

    @Test func offsetsAndPagesAtTheEndOfIntStopInsteadOfOverflowing() {
        for type in [APISettings.Pagination.Kind.index, .page] {
            var settings = APISettings.Pagination(type: type)
            settings.indexParam = "offset"
            settings.pageParam = "page"
            var engine = PaginationEngine(settings: settings)
            let first = engine.first(OutboundRequest(method: "GET", url: "https://h.test/x?offset=\(Int.max)&page=\(Int.max)"))
            let raw = Array("[1,2]".utf8)
            #expect(engine.next(after: first, headers: [], body: [1, 2], rawBody: raw) == .stop(.noNext), "\(type)")
        }
    }

    @Test(arguments: texts + ["Fri, 31 Dec 99999 23:59:59 GMT", "Wed, 21 Oct 2015 07:28:00 GMT"])
    func retryAfterValuesAreHeldInRange(_ text: String) {
        let millis = RetryPolicy.retryAfterMillis(text, now: 1_795_341_600_000)
        #expect(millis.map { (0...RetryPolicy.maxRetryAfterMillis).contains($0) } ?? true, "\(text): \(String(describing: millis))")
        let next = RetryPolicy(schedule: .standard).nextAttempt(after: 1, now: .max - 10, retryAfterMillis: millis, unit: 0.5)
        #expect(next == .max, "the next attempt saturates")
    }

    @Test func saturatingArithmeticHoldsAtTheBounds() {
        #expect(Int64.max.addingSaturating(1) == .max)
        #expect(Int64.min.addingSaturating(-1) == .min)
        #expect(Int64.min.subtractingSaturating(1) == .min)
        #expect(Int64.max.subtractingSaturating(-1) == .max)
        #expect(Int64.min.multipliedSaturating(by: -1) == .max)
        #expect(Int64(40_000_000_000_000_000).multipliedSaturating(by: 1000) == .max)
        #expect(Int64.min.absoluteDifference(0) == .max)
        #expect(Int64(5).absoluteDifference(-5) == 10)
        #expect(Int64(checkedTruncating: 1e300) == nil && Int64(checkedTruncating: -.infinity) == nil && Int64(checkedTruncating: .nan) == nil)
        #expect(Int64(checkedTruncating: 9_223_372_036_854_775_808.0) == nil)
        #expect(Int64(checkedTruncating: -9_223_372_036_854_775_808.0) == .min)
        #expect(Int64(checkedTruncating: -1.9) == -1)
    }

    @Test func timestampsOutsideFourDigitYearsAreHeldAtTheEdge() {
        #expect(Timestamp.format(.min) == "0001-01-01T00:00:00.000Z")
        #expect(Timestamp.format(.max) == "9999-12-31T23:59:59.999Z")
    }

    @Test func tokenBucketsRefillAtTheirRateAndSayWhen() {
        var bucket = TokenBucket(rate: 2, burst: 4, now: 0)
        let decisions = (0..<5).map { _ in bucket.take(now: 0) }
        #expect(decisions.map(\.allowed) == [true, true, true, true, false])
        #expect(decisions.map(\.remaining) == [3, 2, 1, 0, 0])
        #expect(decisions[4].retryAfterSeconds == 1 && decisions[4].resetSeconds == 2)
        #expect(bucket.take(now: 500).allowed, "half a second refills one request at 2 a second")
        #expect(!bucket.take(now: 500).allowed)
        // A clock that jumps back refills nothing; one that jumps by centuries does not overflow.
        #expect(!bucket.take(now: -1_000_000).allowed)
        #expect(bucket.take(now: .max).remaining == 3)
    }
}
