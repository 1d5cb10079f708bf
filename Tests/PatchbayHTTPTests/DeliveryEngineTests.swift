import Crypto
import Foundation
import PatchbayCore
import PatchbayTestSupport
import Testing

/// The delivery worker against a real receiver on loopback, on both stores.
@Suite struct DeliveryEngineTests {
    static func skipPostgresLocally(_ kind: StoreKind) throws -> Bool {
        guard kind == .postgres, TestDatabase.postgresURL == nil else { return false }
        try #require(!TestDatabase.isCI, "CI must run the PostgreSQL variant")
        return true
    }

    /// Polls `condition` until it holds or `timeout` passes.
    static func eventually(_ timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    static func run(
        _ kind: StoreKind,
        retrySchedule: String = "5s",
        _ body: @Sendable (APIClient, TestReceiver, Int, String) async throws -> Void
    ) async throws {
        // These tests measure retry timing and concurrency: none of the CPU-heavy tests may run beside them.
        try await exclusively { try await runAlone(kind, retrySchedule: retrySchedule, body) }
    }

    private static func runAlone(
        _ kind: StoreKind,
        retrySchedule: String,
        _ body: @Sendable (APIClient, TestReceiver, Int, String) async throws -> Void
    ) async throws {
        let receiver = TestReceiver()
        try await receiver.run { port in
            try await LiveServer.run(
                kind,
                configure: {
                    $0.allowPrivateTargets = true
                    $0.retrySchedule = (try? RetrySchedule.parse(retrySchedule).get()) ?? .standard
                }
            ) { api in
                _ = try await api.admin(.post, "/v1/event-types", ["name": "thread.created"])
                let org = try await api.organization()
                try await body(api, receiver, port, org)
            }
        }
    }

    static func createWebhook(_ api: APIClient, org: String, url: String) async throws -> (id: String, secret: WebhookSecret) {
        let created = try await api.admin(
            .post, "/v1/organizations/\(org)/webhooks", ["name": "W", "url": .string(url), "eventTypes": ["thread.created"]])
        try #require(created.status == 201, "\(created.text)")
        return (try #require(created.json["id"]?.string), try #require(created.json["secret"]?.string.flatMap(WebhookSecret.init)))
    }

    static func deliveries(_ api: APIClient, org: String, webhook: String, status: String) async throws -> [JSONValue] {
        try await api.admin(.get, "/v1/organizations/\(org)/webhooks/\(webhook)/deliveries?limit=1000&status=\(status)").json["data"]?.array ?? []
    }

    static func publish(_ api: APIClient, org: String, count: Int) async throws {
        let events: [JSONValue] = (0..<count).map { ["type": "thread.created", "data": ["n": .int(Int64($0))]] }
        let response = try await api.admin(.post, "/v1/organizations/\(org)/events/batch", ["events": .array(events)])
        try #require(response.status == 202)
    }

    @Test(arguments: StoreKind.allCases)
    func publishedEventsArriveSignedOnceEach(kind: StoreKind) async throws {
        if try Self.skipPostgresLocally(kind) { return }
        try await Self.run(kind) { api, receiver, port, org in
            let (webhook, secret) = try await Self.createWebhook(api, org: org, url: "http://127.0.0.1:\(port)/ok")
            try await Self.publish(api, org: org, count: 20)
            #expect(try await Self.eventually { try await Self.deliveries(api, org: org, webhook: webhook, status: "succeeded").count == 21 })
            let events = receiver.requests(to: "/ok").filter { String(decoding: $0.body, as: UTF8.self).contains("thread.created") }
            #expect(events.count == 20)
            #expect(Set(events.compactMap { $0.headers["webhook-id"] }).count == 20)
            for request in events {
                let message = Data("\(request.headers["webhook-id"] ?? "").\(request.headers["webhook-timestamp"] ?? "").".utf8) + Data(request.body)
                let expected = Data(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret.bytes))).base64EncodedString()
                #expect(request.headers["webhook-signature"] == "v1,\(expected)")
            }
            let webhookState = try await api.admin(.get, "/v1/organizations/\(org)/webhooks/\(webhook)")
            #expect(webhookState.json["state"] == "active" && webhookState.json["lastStatus"] == 200)
            // The history is searchable by event id and by delivery id.
            let history = "/v1/organizations/\(org)/webhooks/\(webhook)/deliveries"
            let one = try #require(try await Self.deliveries(api, org: org, webhook: webhook, status: "succeeded").last)
            let eventId = try #require(one["eventIds"]?[0]?.string)
            let byEvent = try await api.admin(.get, "\(history)?search=\(eventId)").json["data"]?.array ?? []
            #expect(byEvent.map { $0["id"] } == [one["id"]])
            let deliveryId = try #require(one["id"]?.string)
            #expect((try await api.admin(.get, "\(history)?search=\(deliveryId)").json["data"]?.array ?? []).map { $0["id"] } == [one["id"]])
            let nothing = try await api.admin(.get, "\(history)?search=evt_%25")
            #expect(nothing.status == 200 && nothing.json["data"]?.array.isEmpty == true, "LIKE wildcards match literally")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func failuresAreRetriedOnTheScheduleThenTheWebhookIsDisabled(kind: StoreKind) async throws {
        if try Self.skipPostgresLocally(kind) { return }
        try await Self.run(kind, retrySchedule: "100ms,100ms") { api, receiver, port, org in
            let (webhook, _) = try await Self.createWebhook(api, org: org, url: "http://127.0.0.1:\(port)/error")
            let watcher = try await api.admin(
                .post, "/v1/organizations/\(org)/webhooks", ["name": "Watcher", "url": .string("http://127.0.0.1:\(port)/ok")])
            try await Self.publish(api, org: org, count: 1)
            #expect(try await Self.eventually { try await Self.deliveries(api, org: org, webhook: webhook, status: "failed").count == 2 })
            let failed = try await Self.deliveries(api, org: org, webhook: webhook, status: "failed")
            let eventDelivery = try #require(failed.first { $0["attempts"] == 3 }, "one attempt and two retries")
            let detail = try await api.admin(.get, "/v1/organizations/\(org)/webhooks/\(webhook)/deliveries/\(eventDelivery["id"]?.string ?? "")")
            #expect(detail.json["attempts"]?.array.map { $0["statusCode"] } == [500, 500, 500])
            #expect(receiver.requests(to: "/error").count == 4, "the handshake and three attempts")
            #expect(
                try await Self.eventually { try await api.admin(.get, "/v1/organizations/\(org)/webhooks/\(webhook)").json["state"] == "disabled" })
            let disabled = try await api.admin(.get, "/v1/organizations/\(org)/events?type=webhook.disabled").json["data"]?.array ?? []
            #expect(disabled.first?["data"]?["webhookId"] == .string(webhook))
            // Its host, never its URL: capability URLs carry secrets.
            #expect(disabled.first?["data"]?["host"] == "127.0.0.1" && disabled.first?["data"]?["url"] == nil)
            // The organization's other (catch-all) webhook is told.
            let watcherId = watcher.json["id"]?.string ?? ""
            #expect(
                try await Self.eventually {
                    receiver.requests(to: "/ok").contains { String(decoding: $0.body, as: UTF8.self).contains("webhook.disabled") }
                })
            #expect(!watcherId.isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func goneDisablesAtOnceAndRetryAfterIsHonoured(kind: StoreKind) async throws {
        if try Self.skipPostgresLocally(kind) { return }
        try await Self.run(kind, retrySchedule: "100ms,100ms") { api, receiver, port, org in
            let (gone, _) = try await Self.createWebhook(api, org: org, url: "http://127.0.0.1:\(port)/gone")
            let (busy, _) = try await Self.createWebhook(api, org: org, url: "http://127.0.0.1:\(port)/fail")
            try await Self.publish(api, org: org, count: 1)
            #expect(try await Self.eventually { try await api.admin(.get, "/v1/organizations/\(org)/webhooks/\(gone)").json["state"] == "disabled" })
            #expect(receiver.requests(to: "/gone").count == 2, "the handshake and one attempt, no retries")
            #expect(try await Self.eventually { try await Self.deliveries(api, org: org, webhook: busy, status: "retrying").count == 1 })
            let retrying = try #require(try await Self.deliveries(api, org: org, webhook: busy, status: "retrying").first)
            let last = try #require(retrying["lastAttemptAt"]?.string.flatMap(Timestamp.parse))
            let next = try #require(retrying["nextAttemptAt"]?.string.flatMap(Timestamp.parse))
            #expect(next - last >= 6_900, "Retry-After: 7 wins over the 100 ms schedule")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func failedDeliveriesAreResentAndRecovered(kind: StoreKind) async throws {
        if try Self.skipPostgresLocally(kind) { return }
        try await Self.run(kind, retrySchedule: "100ms") { api, receiver, port, org in
            let before = Timestamp.format(SystemTimeSource().nowMillis - 60_000)
            let (webhook, _) = try await Self.createWebhook(api, org: org, url: "http://127.0.0.1:\(port)/error")
            let hooks = "/v1/organizations/\(org)/webhooks/\(webhook)"
            try await Self.publish(api, org: org, count: 3)
            #expect(try await Self.eventually { try await Self.deliveries(api, org: org, webhook: webhook, status: "failed").count == 4 })
            #expect(try await Self.eventually { try await api.admin(.get, hooks).json["state"] == "disabled" })
            let failed = try await Self.deliveries(api, org: org, webhook: webhook, status: "failed").filter { $0["attempts"] == 2 }
            let first = try #require(failed.first?["id"]?.string)
            #expect(try await api.admin(.post, "\(hooks)/deliveries/\(first)/resend").status == 409, "disabled webhooks are not sent to")
            #expect(try await api.admin(.post, "\(hooks)/recover", ["since": .string(before)]).status == 409)

            _ = try await api.admin(.patch, hooks, ["active": true, "url": .string("http://127.0.0.1:\(port)/ok")])
            let resent = try await api.admin(.post, "\(hooks)/deliveries/\(first)/resend")
            // The same delivery again: the same id, so the same webhook-id for the receiver to deduplicate on.
            #expect(resent.status == 202 && resent.json["id"] == .string(first) && resent.json["eventIds"] == failed.first?["eventIds"])
            #expect(try await Self.eventually { try await Self.deliveries(api, org: org, webhook: webhook, status: "succeeded").count == 1 })
            #expect(receiver.requests(to: "/error").filter { $0.headers["webhook-id"] == first }.count == 2, "its two retries")
            #expect(receiver.requests(to: "/ok").filter { $0.headers["webhook-id"] == first }.count == 1, "and its resend, with the same id")
            let history = try await api.admin(.get, "\(hooks)/deliveries/\(first)").json["attempts"]?.array ?? []
            #expect(history.map { $0["statusCode"] } == [500, 500, 200], "the resend extends the delivery's history")

            let recovered = try await api.admin(.post, "\(hooks)/recover", ["since": .string(before)])
            #expect(recovered.status == 202 && recovered.json["recovered"] == 2, "the two event deliveries still failed, not the handshake")
            #expect(try await Self.eventually { try await Self.deliveries(api, org: org, webhook: webhook, status: "succeeded").count == 3 })
            let arrived = Set(receiver.requests(to: "/ok").compactMap { (try? JSONDecoder().decode(JSONValue.self, from: Data($0.body)))?["id"] })
            #expect(arrived.count == 3, "every event arrived")

            #expect(try await api.admin(.post, "\(hooks)/recover", ["since": "yesterday"]).status == 422)
            let future = Timestamp.format(SystemTimeSource().nowMillis + 3_600_000)
            #expect(try await api.admin(.post, "\(hooks)/recover", ["since": .string(future)]).json["errors"]?[0]?["pointer"] == "/since")
            #expect(try await api.admin(.post, "\(hooks)/deliveries/dlv_00000000000000000000000000/resend").status == 404)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aReceiverThatIsDownAndComesBackGetsEveryEvent(kind: StoreKind) async throws {
        if try Self.skipPostgresLocally(kind) { return }
        // A port that was just free: nothing listens there until the receiver comes back on it. It lies outside the ephemeral range
        // so that no concurrent test's socket is given it meanwhile (CI once failed with "Address already in use").
        let port = try await TestReceiver.portOutsideEphemeralRange()
        try await LiveServer.run(
            kind,
            configure: {
                $0.allowPrivateTargets = true
                $0.retrySchedule = (try? RetrySchedule.parse("300ms,300ms,1s,1s,1s,1s").get()) ?? .standard
            }
        ) { api in
            _ = try await api.admin(.post, "/v1/event-types", ["name": "thread.created"])
            let org = try await api.organization()
            let created = try await api.admin(
                .post, "/v1/organizations/\(org)/webhooks",
                ["name": "W", "url": .string("http://127.0.0.1:\(port)/ok"), "eventTypes": ["thread.created"]])
            try #require(created.status == 201)
            #expect(created.json["handshake"]?["ok"] == false && created.json["state"] == "failing")
            let webhook = try #require(created.json["id"]?.string)
            try await Self.publish(api, org: org, count: 5)
            #expect(try await Self.eventually { try await Self.deliveries(api, org: org, webhook: webhook, status: "retrying").count == 5 })

            let receiver = TestReceiver()
            try await receiver.run(port: port) { _ in
                #expect(try await Self.eventually { try await Self.deliveries(api, org: org, webhook: webhook, status: "succeeded").count == 5 })
                let arrived = receiver.requests(to: "/ok").compactMap { (try? JSONDecoder().decode(JSONValue.self, from: Data($0.body)))?["id"] }
                #expect(Set(arrived).count == 5 && arrived.count == 5, "every event, once")
                let delivery = try #require(try await Self.deliveries(api, org: org, webhook: webhook, status: "succeeded").first?["id"]?.string)
                let detail = try await api.admin(.get, "/v1/organizations/\(org)/webhooks/\(webhook)/deliveries/\(delivery)")
                let attempts = detail.json["attempts"]?.array ?? []
                #expect(attempts.count >= 2 && attempts.first?["statusCode"] == .null && attempts.first?["error"] != .null)
                #expect(attempts.last?["statusCode"] == 200)
                #expect(
                    try await Self.eventually { try await api.admin(.get, "/v1/organizations/\(org)/webhooks/\(webhook)").json["state"] == "active" })
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theHistoryMasksTheWebhooksHeadersAndNamesTheSecretsThatSigned(kind: StoreKind) async throws {
        if try Self.skipPostgresLocally(kind) { return }
        try await Self.run(kind) { api, receiver, port, org in
            let created = try await api.admin(
                .post, "/v1/organizations/\(org)/webhooks",
                [
                    "name": "H", "url": .string("http://127.0.0.1:\(port)/ok"), "eventTypes": ["thread.created"],
                    "headers": ["X-Api-Key": "key-0123456789-secret"],
                ])
            let webhook = try #require(created.json["id"]?.string)
            let hooks = "/v1/organizations/\(org)/webhooks/\(webhook)"
            #expect(try await api.admin(.post, "\(hooks)/rotate-secret").status == 200)
            try await Self.publish(api, org: org, count: 1)
            #expect(try await Self.eventually { try await Self.deliveries(api, org: org, webhook: webhook, status: "succeeded").count == 2 })
            let all = try await Self.deliveries(api, org: org, webhook: webhook, status: "succeeded")
            var signers: [JSONValue] = []
            for delivery in all {
                let attempts = try await api.admin(.get, "\(hooks)/deliveries/\(delivery["id"]?.string ?? "")").json["attempts"]?.array ?? []
                for attempt in attempts {
                    let recorded = attempt["requestHeaders"]?["X-Api-Key"] ?? attempt["requestHeaders"]?["x-api-key"]
                    #expect(recorded == "****", "the header's value is masked in the history")
                    signers.append(attempt["signedWith"] ?? .null)
                }
            }
            // The handshake went out before the rotation, the event after it, signed with both secrets.
            #expect(signers.count == 2 && signers.contains(["current"]) && signers.contains(["current", "previous"]), "\(signers)")
            #expect(receiver.requests(to: "/ok").allSatisfy { $0.headers["x-api-key"] == "key-0123456789-secret" }, "the receiver gets the value")
            #expect(receiver.requests(to: "/ok").last?.headers["webhook-signature"]?.split(separator: " ").count == 2)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func pendingEventsAreBatchedIntoOneRequest(kind: StoreKind) async throws {
        if try Self.skipPostgresLocally(kind) { return }
        try await Self.run(kind) { api, receiver, port, org in
            let created = try await api.admin(
                .post, "/v1/organizations/\(org)/webhooks",
                ["name": "B", "url": .string("http://127.0.0.1:\(port)/ok"), "eventTypes": ["thread.created"], "maxEventsPerRequest": 10])
            let webhook = try #require(created.json["id"]?.string)
            let secret = try #require(created.json["secret"]?.string.flatMap(WebhookSecret.init))
            // One batch publish queues 25 deliveries in one transaction: they go out as three requests of at most ten.
            try await Self.publish(api, org: org, count: 25)
            #expect(try await Self.eventually { try await Self.deliveries(api, org: org, webhook: webhook, status: "succeeded").count == 4 })
            let batches = receiver.requests(to: "/ok").filter { String(decoding: $0.body, as: UTF8.self).contains("thread.created") }
            let bodies = batches.compactMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.body)) }
            let sizes = bodies.map { $0["events"]?.array.count ?? 0 }
            #expect(sizes.sorted() == [5, 10, 10])
            let numbers = bodies.flatMap { $0["events"]?.array ?? [] }.compactMap { $0["data"]?["n"] }
            #expect(Set(numbers).count == 25, "every event, once")
            for request in batches {
                let message = Data("\(request.headers["webhook-id"] ?? "").\(request.headers["webhook-timestamp"] ?? "").".utf8) + Data(request.body)
                let expected = Data(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret.bytes))).base64EncodedString()
                #expect(request.headers["webhook-signature"] == "v1,\(expected)")
            }
            let delivered = try await Self.deliveries(api, org: org, webhook: webhook, status: "succeeded")
            #expect(delivered.map { $0["eventIds"]?.array.count ?? 0 }.sorted() == [1, 5, 10, 10], "the handshake and three batches")
        }
    }

    @Test func aHangingEndpointDoesNotDelayAnother() async throws {
        try await Self.run(.sqlite) { api, receiver, port, org in
            // Created on /ok so its handshake is quick, then pointed at the hanging route.
            let (hanging, _) = try await Self.createWebhook(api, org: org, url: "http://127.0.0.1:\(port)/ok")
            _ = try await api.admin(.patch, "/v1/organizations/\(org)/webhooks/\(hanging)", ["url": .string("http://127.0.0.1:\(port)/hang")])
            let (fast, _) = try await Self.createWebhook(api, org: org, url: "http://127.0.0.1:\(port)/ok")
            try await Self.publish(api, org: org, count: 40)
            // Causal rather than timed: every fast delivery succeeds while the hanging endpoint has answered nothing yet.
            #expect(
                try await Self.eventually(.seconds(7)) { try await Self.deliveries(api, org: org, webhook: fast, status: "succeeded").count == 41 })
            #expect(try await Self.deliveries(api, org: org, webhook: hanging, status: "succeeded").count == 1, "only its handshake")
            // The default bound is sixteen requests in flight per endpoint: it fills up, and no more are sent.
            #expect(try await Self.eventually { receiver.requests(to: "/hang").count == 16 })
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.requests(to: "/hang").count == 16)
        }
    }
}
