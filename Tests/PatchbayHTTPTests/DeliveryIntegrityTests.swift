import Foundation
import PatchbayCore
import PatchbayTestSupport
import Testing

/// Deliveries that can no longer be sent end visibly, once, instead of being claimed again and again.
@Suite struct DeliveryIntegrityTests {
    @Test(arguments: StoreKind.allCases)
    func aDeliveryWhoseEventsAreGoneEndsFailedWithTheReason(kind: StoreKind) async throws {
        if try DeliveryEngineTests.skipPostgresLocally(kind) { return }
        try await DeliveryEngineTests.run(kind) { api, receiver, port, org in
            let (webhook, _) = try await DeliveryEngineTests.createWebhook(api, org: org, url: "http://127.0.0.1:\(port)/ok")
            let path = "/v1/organizations/\(org)/webhooks/\(webhook)"
            _ = try await api.admin(.patch, path, ["active": false])
            try await DeliveryEngineTests.publish(api, org: org, count: 1)
            let held = try #require(try await DeliveryEngineTests.deliveries(api, org: org, webhook: webhook, status: "held").first)
            // As retention would: the event goes, its delivery stays.
            for id in held["eventIds"]?.array ?? [] {
                _ = try await api.store.driver.query("DELETE FROM events WHERE id = \(id.string ?? "")")
            }
            _ = try await api.admin(.patch, path, ["active": true])
            #expect(
                try await DeliveryEngineTests.eventually {
                    try await DeliveryEngineTests.deliveries(api, org: org, webhook: webhook, status: "failed").contains { $0["id"] == held["id"] }
                })
            let detail = try await api.admin(.get, "\(path)/deliveries/\(held["id"]?.string ?? "")")
            let attempts = detail.json["attempts"]?.array ?? []
            #expect(attempts.count == 1 && attempts[0]["error"]?.string?.contains("no longer exist") == true, "\(detail.text)")
            #expect(!receiver.requests(to: "/ok").contains { String(decoding: $0.body, as: UTF8.self).contains("thread.created") })
        }
    }

    @Test(arguments: StoreKind.allCases)
    func deletingAWebhookWhileItsDeliveryIsInFlightEndsCleanly(kind: StoreKind) async throws {
        if try DeliveryEngineTests.skipPostgresLocally(kind) { return }
        try await DeliveryEngineTests.run(kind) { api, receiver, port, org in
            // /slow answers after 3 s: the attempt is in flight when the webhook is deleted.
            let (slow, _) = try await DeliveryEngineTests.createWebhook(api, org: org, url: "http://127.0.0.1:\(port)/slow")
            try await DeliveryEngineTests.publish(api, org: org, count: 1)
            #expect(try await DeliveryEngineTests.eventually { receiver.requests(to: "/slow").count >= 2 }, "the handshake and the event")
            #expect(try await api.admin(.delete, "/v1/organizations/\(org)/webhooks/\(slow)").status == 204)
            try await Task.sleep(for: .seconds(4))
            // The attempt's recording found nothing to record; the worker goes on with the organization's other webhooks.
            let (next, _) = try await DeliveryEngineTests.createWebhook(api, org: org, url: "http://127.0.0.1:\(port)/ok")
            try await DeliveryEngineTests.publish(api, org: org, count: 2)
            #expect(
                try await DeliveryEngineTests.eventually {
                    try await DeliveryEngineTests.deliveries(api, org: org, webhook: next, status: "succeeded").count == 3
                })
            let remaining = try await api.store.driver.query("SELECT COUNT(*) AS n FROM deliveries WHERE webhook_id = \(slow)")
            #expect(try remaining.first?.int("n") == 0)
            #expect(try await api.admin(.get, "/v1/health").status == 200)
        }
    }
}
