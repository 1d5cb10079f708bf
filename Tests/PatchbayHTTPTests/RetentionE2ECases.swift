import Foundation
import PatchbayCore
import PatchbayTestSupport
import Testing

extension E2ECase {
    static let retention: [E2ECase] = [
        E2ECase(
            "retention deletes what is older than the period, counts it, and keeps every younger held delivery",
            configure: { configuration in
                configuration.retention = RetentionPolicy(periodMillis: 30 * 86_400_000)
                configuration.retentionPassMillis = 50
            }
        ) { api, clock in
            _ = try await api.admin(.post, "/v1/event-types", ["name": "thread.created"])
            let org = try await api.organization()
            let hook = try await api.admin(
                .post, "/v1/organizations/\(org)/webhooks", ["name": "Paused", "url": "https://hooks.example.com/p", "active": false])
            let webhook = try #require(hook.json["id"]?.string)
            let events = "/v1/organizations/\(org)/events"
            let body = #"{"type":"thread.created","data":{"title":"Old"}}"#
            let key = ["Idempotency-Key": "order-1"]
            let old = try await api.call(.post, events, token: api.adminToken, json: body, headers: key)
            #expect(old.status == 202)
            let oldId = try #require(old.json["id"]?.string)
            _ = try await api.admin(.post, events, ["type": "thread.created", "data": ["title": "Old too"]])
            let (inbound, inPath, _) = try await api.inbound(in: org, ["name": "open", "eventType": "thread.created"])
            let received = try await api.post(inPath, bytes: Array(#"{"a":1}"#.utf8), headers: ["Content-Type": "application/json"])
            #expect((200...299).contains(received.status), "\(received.status) \(received.text)")
            #expect(try await api.inboundRequests(org, inbound).count == 1)
            // The pass runs every 50 ms: nothing is old yet, so nothing goes.
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await api.admin(.get, "/v1/organizations/\(org)/webhooks/\(webhook)").json["heldCount"] == 3)

            clock.advance(byMillis: 31 * 86_400_000)
            let young = try await api.admin(.post, events, ["type": "thread.created", "data": ["title": "Young"]])
            let youngId = try #require(young.json["id"]?.string)
            var metrics = ""
            for _ in 0..<200 where !metrics.contains(#"patchbay_retention_deleted_total{kind="inbound_requests"}"#) {
                try await Task.sleep(for: .milliseconds(50))
                metrics = try await api.call(.get, "/metrics").text
            }
            #expect(metrics.contains(#"patchbay_retention_deleted_total{kind="held_deliveries"} 3"#), "\(metrics)")
            #expect(metrics.contains(#"patchbay_retention_deleted_total{kind="inbound_requests"} 1"#))
            #expect(metrics.contains(#"patchbay_retention_deleted_total{kind="idempotency_keys"} 1"#))

            let listed = try await api.admin(.get, "\(events)?limit=100").json["data"]?.array.compactMap { $0["id"]?.string } ?? []
            #expect(!listed.contains(oldId))
            #expect(listed.contains(youngId))
            #expect(try await api.admin(.get, "/v1/organizations/\(org)/webhooks/\(webhook)").json["heldCount"] == 1)
            let deliveries = try await api.admin(.get, "/v1/organizations/\(org)/webhooks/\(webhook)/deliveries").json["data"]?.array
            #expect(deliveries?.count == 1)
            #expect(deliveries?.first?["eventIds"] == .array([.string(youngId)]))
            #expect(try await api.inboundRequests(org, inbound).isEmpty)
            // The idempotency key went with its event: the same key is a new publish now.
            let again = try await api.call(.post, events, token: api.adminToken, json: body, headers: key)
            #expect(again.status == 202 && again.json["id"] != old.json["id"])
            #expect(again.header("Idempotent-Replayed") == nil)
            // Resuming releases only what retention left.
            let resumed = try await api.admin(.patch, "/v1/organizations/\(org)/webhooks/\(webhook)", ["active": true])
            #expect(resumed.status == 200)
        },
        E2ECase(
            "an idempotency key whose events retention removed publishes anew instead of replaying nothing",
            configure: { configuration in
                configuration.retention = RetentionPolicy(periodMillis: 3_600_000)
                configuration.retentionPassMillis = 50
            }
        ) { api, clock in
            _ = try await api.admin(.post, "/v1/event-types", ["name": "thread.created"])
            let org = try await api.organization()
            let path = "/v1/organizations/\(org)/events"
            let body = #"{"type":"thread.created","data":{"title":"Once"}}"#
            let key = ["Idempotency-Key": "short-retention"]
            let first = try await api.call(.post, path, token: api.adminToken, json: body, headers: key)
            #expect(first.status == 202)
            let batch = try await api.call(
                .post, path + "/batch", token: api.adminToken, json: #"{"events":[\#(body)]}"#, headers: ["Idempotency-Key": "short-batch"])
            #expect(batch.status == 202)
            clock.advance(byMillis: 2 * 3_600_000)
            var metrics = ""
            for _ in 0..<200 where !metrics.contains(#"patchbay_retention_deleted_total{kind="events"}"#) {
                try await Task.sleep(for: .milliseconds(50))
                metrics = try await api.call(.get, "/metrics").text
            }
            // The keys live their 24 hours, but their events are gone: a repeat is a new publish, not a crash or an empty replay.
            let again = try await api.call(.post, path, token: api.adminToken, json: body, headers: key)
            #expect(again.status == 202, "\(again.text)")
            #expect(again.json["id"] != first.json["id"] && again.header("Idempotent-Replayed") == nil)
            let batchAgain = try await api.call(
                .post, path + "/batch", token: api.adminToken, json: #"{"events":[\#(body)]}"#, headers: ["Idempotency-Key": "short-batch"])
            #expect(batchAgain.status == 202 && batchAgain.json["data"]?.array.count == 1, "\(batchAgain.text)")
            #expect(try await api.admin(.get, "/v1/health").status == 200)
        },
    ]
}
