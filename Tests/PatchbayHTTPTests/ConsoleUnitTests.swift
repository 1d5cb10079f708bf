import PatchbayCore
import PatchbayStorage
import Testing

@testable import PatchbayConsole

/// The console's pure parts: chart arithmetic, form parsing and the checks on what the browser sends.
@Suite struct ConsoleUnitTests {
    static let now: Int64 = 1_796_000_000_000

    @Test func chartsCountOutcomesPercentilesAndTheQueue() {
        let minute = Self.now / 60_000
        let groups = [
            DeliveryRepository.ActivityGroup(
                webhookId: "wh", createdMinute: minute - 2, finishedMinute: minute - 1, status: .succeeded, count: 8,
                oldestCreatedAt: (minute - 2) * 60_000),
            DeliveryRepository.ActivityGroup(
                webhookId: "wh", createdMinute: minute - 2, finishedMinute: minute, status: .failed, count: 2,
                oldestCreatedAt: (minute - 2) * 60_000 + 5_000),
            DeliveryRepository.ActivityGroup(
                webhookId: "wh", createdMinute: minute, finishedMinute: nil, status: .pending, count: 3, oldestCreatedAt: minute * 60_000),
            // Older than the hour: not drawn, but its queue is counted through queuedBefore.
            DeliveryRepository.ActivityGroup(
                webhookId: "wh", createdMinute: minute - 500, finishedMinute: nil, status: .held, count: 100, oldestCreatedAt: 0),
        ]
        let histogram: [(minute: Int64, bucketMs: Int, count: Int)] = [(minute - 1, 10, 90), (minute - 1, 500, 9), (minute - 1, 60_000, 1)]
        let data = ChartData(groups: groups, queuedBefore: (1, (minute - 90) * 60_000), histogram: histogram, now: Self.now)
        let last = ChartData.minutes - 1
        #expect(data.ok[last - 2] == 8 && data.fail[last - 2] == 2 && data.pending[last] == 3)
        #expect(data.totals == (8, 2, 3))
        // 90 of 100 attempts within 10 ms: p50 is 10 ms; the 95th is in the 500 ms bucket.
        #expect(data.p50[last - 1] == 10 && data.p95[last - 1] == 500)
        #expect(data.p50[last] == nil)
        // End of minute-2: 10 created, none finished, plus 1 queued before the hour; minute-1: the 8 finished.
        #expect(data.depth[last - 2] == 11 && data.depth[last - 1] == 3 && data.depth[last] == 4)
        // The oldest queued is the one from 90 minutes ago, the whole time.
        #expect(data.oldestAgeSeconds[last] == Double(Self.now - (minute - 90) * 60_000) / 1000)
        #expect(ChartData(groups: [], now: Self.now).depth.allSatisfy { $0 == 0 })
    }

    @Test func chartsEscapeWhatTheyShow() {
        let data = ChartData(groups: [], now: Self.now)
        let spark = Charts.sparkline(data, label: "<script>\"x\"")
        #expect(spark.contains("&lt;script&gt;&quot;x&quot;") && !spark.contains("<script>"))
        #expect(Charts.all(data, scope: "of <b>").contains("of &lt;b&gt;"))
    }

    @Test func formsDecodeAndRefuseTooManyFields() throws {
        let form = try FormData("name=Acme+orders&url=https%3A%2F%2Fx.example%2Fa%20b&scopes=a&scopes=b&bad=%zz%4&empty=")
        #expect(form["name"] == "Acme orders")
        #expect(form["url"] == "https://x.example/a b")
        #expect(form.all("scopes") == ["a", "b"])
        #expect(form["bad"] == "%zz%4")
        #expect(form["empty"] == "" && form["missing"] == nil)
        let many = (0...FormData.maxFields).map { "f\($0)=1" }.joined(separator: "&")
        #expect(throws: PatchbayError.self) { try FormData(many) }
        #expect(FormData.decode(FormData.encode("a b&c=d/é")[...]) == "a b&c=d/é")
    }

    @Test func onlyConsolePathsFollowSignIn() {
        #expect(Console.safeNext("/console/orgs/org_1/webhooks?q=x") == "/console/orgs/org_1/webhooks?q=x")
        for hostile in ["//evil.example/console/", "https://evil.example/console/x", "/console/\\evil", "/v1/organizations", "/console/x://y"] {
            #expect(Console.safeNext(hostile) == nil, "\(hostile)")
        }
        #expect(Console.safeNext("/console/" + String(repeating: "a", count: 600)) == nil)
    }

    @Test func frameAncestorsAreOrigins() {
        #expect(ConsoleSettings.frameAncestorProblem(["https://app.example.com", "https://*.example.com", "http://localhost:3000"]) == nil)
        for bad in ["https://*", "*", "app.example.com", "https://app.example.com/path", "https://a b.example", "https://*.*.example.com"] {
            #expect(ConsoleSettings.frameAncestorProblem([bad]) != nil, "\(bad)")
        }
    }

    @Test func originsAndCookies() {
        #expect(RequestOrigin.origin(of: "https://patchbay.example.com:8443/base?x") == "https://patchbay.example.com:8443")
        #expect(Cookies.value("pb_session", in: "a=1; pb_session=abc ; b=2") == "abc")
        #expect(Cookies.value("pb_session", in: "pb_sessionx=1") == nil)
        #expect(Cookies.set("pb_session", "v", maxAgeSeconds: 60, secure: true).hasSuffix("HttpOnly; SameSite=Strict; Secure"))
    }
}
