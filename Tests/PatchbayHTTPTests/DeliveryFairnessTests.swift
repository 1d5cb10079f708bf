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
}
