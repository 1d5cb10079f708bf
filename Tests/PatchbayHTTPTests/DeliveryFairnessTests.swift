import Foundation
import PatchbayCore
import PatchbayTestSupport
import Testing

/// The worker's room is shared fairly: one organization's hanging endpoints cannot hold the claims another
/// organization's deliveries need.
@Suite struct DeliveryFairnessTests {
    @Test(arguments: StoreKind.allCases)
    func hangingWebhooksOfOneOrganizationDoNotDelayAnother(kind: StoreKind) async throws {
        if try DeliveryEngineTests.skipPostgresLocally(kind) { return }
        try await DeliveryEngineTests.run(kind) { api, receiver, port, crowded in
            // 50 webhooks whose endpoint hangs for 8 s, with 40 events each: 2,000 deliveries, more than the worker holds.
            for index in 0..<50 {
                let (webhook, _) = try await DeliveryEngineTests.createWebhook(api, org: crowded, url: "http://127.0.0.1:\(port)/ok")
                let moved = try await api.admin(
                    .patch, "/v1/organizations/\(crowded)/webhooks/\(webhook)", ["url": .string("http://127.0.0.1:\(port)/hang?w=\(index)")])
                try #require(moved.status == 200, "\(moved.text)")
            }
            try await DeliveryEngineTests.publish(api, org: crowded, count: 40)
            #expect(try await DeliveryEngineTests.eventually { receiver.requests(to: "/hang").count >= 100 })

            let other = try await api.organization("Other")
            let (webhook, _) = try await DeliveryEngineTests.createWebhook(api, org: other, url: "http://127.0.0.1:\(port)/ok")
            let before = receiver.requests(to: "/hang").count
            let published = ContinuousClock.now
            try await DeliveryEngineTests.publish(api, org: other, count: 1)
            let arrived = try await DeliveryEngineTests.eventually(.seconds(20)) {
                try await DeliveryEngineTests.deliveries(api, org: other, webhook: webhook, status: "succeeded").count == 2
            }
            let waited = ContinuousClock.now - published
            print("fairness (\(kind)): another organization's event arrived after \(waited) beside 50 hanging webhooks")
            #expect(arrived)
            // The hanging requests answer after 8 s: the other organization's event must not wait for them.
            #expect(waited < .seconds(4), "the other organization's event waited \(waited)")
            let crowdedHeld = receiver.requests(to: "/hang").count
            #expect(crowdedHeld >= before, "the crowded organization keeps its share")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aWebhookRateLimitSpreadsDeliveriesWithoutSpendingAttempts(kind: StoreKind) async throws {
        if try DeliveryEngineTests.skipPostgresLocally(kind) { return }
        try await DeliveryEngineTests.run(kind) { api, receiver, port, org in
            let base = "/v1/organizations/\(org)/webhooks"
            for bad in [0, 10_001, -1] {
                let refused = try await api.admin(
                    .post, base, ["name": "W", "url": .string("http://127.0.0.1:\(port)/ok"), "rateLimit": .int(Int64(bad))])
                #expect(refused.status == 422 && refused.json["errors"]?[0]?["pointer"] == "/rateLimit", "\(bad): \(refused.text)")
            }
            let created = try await api.admin(
                .post, base, ["name": "W", "url": .string("http://127.0.0.1:\(port)/ok"), "eventTypes": ["thread.created"], "rateLimit": 2])
            try #require(created.status == 201, "\(created.text)")
            #expect(created.json["rateLimit"] == 2)
            let webhook = try #require(created.json["id"]?.string)
            let events = { receiver.requests(to: "/ok").filter { String(decoding: $0.body, as: UTF8.self).contains("thread.created") }.count }
            try await DeliveryEngineTests.publish(api, org: org, count: 8)
            #expect(try await DeliveryEngineTests.eventually(.seconds(20)) { events() == 8 })
            // Held back is not an attempt: every delivery succeeded at its first.
            #expect(
                try await DeliveryEngineTests.eventually {
                    try await DeliveryEngineTests.deliveries(api, org: org, webhook: webhook, status: "succeeded").count == 9
                })
            let succeeded = try await DeliveryEngineTests.deliveries(api, org: org, webhook: webhook, status: "succeeded")
            #expect(succeeded.allSatisfy { $0["attempts"] == 1 }, "\(succeeded)")
            // Eight sends at two a second fill at least four one-second windows: more than 2 s from first to last.
            // (The first delivery is the handshake, sent when the webhook was created.)
            let sent = succeeded.compactMap { $0["lastAttemptAt"]?.string.flatMap(Timestamp.parse) }.sorted().dropFirst()
            let span = (sent.last ?? 0) - (sent.first ?? 0)
            #expect(sent.count >= 8 && span > 2_000, "\(sent.count) sends over \(span) ms")

            let lifted = try await api.admin(.patch, "\(base)/\(webhook)", ["rateLimit": nil])
            #expect(lifted.status == 200 && lifted.json["rateLimit"] == .null, "\(lifted.text)")
        }
    }
}
