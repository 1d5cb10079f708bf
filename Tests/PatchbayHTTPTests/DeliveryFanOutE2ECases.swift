import Foundation
import PatchbayCore
import PatchbayTestSupport
import Testing

extension E2ECase {
    static let fanOut: [E2ECase] = [
        E2ECase("every event gets a delivery per subscribed webhook in its transaction, held while the webhook is paused") { api, _ in
            _ = try await api.admin(.post, "/v1/event-types", ["name": "thread.created"])
            let org = try await api.organization()
            let other = try await api.organization()
            let hooks = "/v1/organizations/\(org)/webhooks"
            func create(_ body: JSONValue) async throws -> String {
                let response = try await api.admin(.post, hooks, body)
                try #require(response.status == 201, "\(response.text)")
                return try #require(response.json["id"]?.string)
            }
            let everything = try await create(["name": "All", "url": "https://all.example.com/h"])
            let threads = try await create(["name": "Threads", "url": "https://t.example.com/h", "eventTypes": ["thread.created"]])
            let paused = try await create(["name": "Paused", "url": "https://p.example.com/h", "active": false])
            _ = try await api.admin(.post, "/v1/organizations/\(other)/webhooks", ["name": "Other", "url": "https://o.example.com/h"])

            let event = try await api.admin(.post, "/v1/organizations/\(org)/events", ["type": "thread.created", "data": ["title": "x"]])
            let eventId = try #require(event.json["id"]?.string)
            _ = try await api.admin(.post, "/v1/organizations/\(org)/users", ["name": "Ada", "email": "ada@example.com"])
            let batch: [JSONValue] = (0..<5).map { _ in ["type": "thread.created", "data": [:]] }
            _ = try await api.admin(.post, "/v1/organizations/\(org)/events/batch", ["events": .array(batch)])

            // Each webhook's history also holds its (failed, offline) handshake. The worker picks event deliveries up at
            // once and, tests resolving no names, moves them to retrying: events are the pending or retrying ones.
            func deliveries(_ webhook: String) async throws -> [JSONValue] {
                let all = try await api.admin(.get, "\(hooks)/\(webhook)/deliveries?limit=100").json["data"]?.array ?? []
                return all.filter { $0["status"] == "pending" || $0["status"] == "retrying" }
            }
            #expect(try await deliveries(everything).count == 7)
            #expect(try await deliveries(threads).count == 6)
            #expect(try await deliveries(paused).isEmpty)
            let pausedHistory = try await api.admin(.get, "\(hooks)/\(paused)/deliveries?limit=100").json["data"]?.array ?? []
            #expect(pausedHistory.count == 8 && pausedHistory.filter { $0["status"] == "held" }.count == 7, "the handshake, and every event held")
            #expect(try await api.admin(.get, "\(hooks)/\(paused)").json["heldCount"] == 7)
            let first = try #require(try await deliveries(threads).first { $0["eventIds"] == .array([.string(eventId)]) })
            #expect(first["eventIds"] == .array([.string(eventId)]))
            #expect(first["nextAttemptAt"]?.string != nil)
            let detail = try await api.admin(.get, "\(hooks)/\(threads)/deliveries/\(first["id"]?.string ?? "")")
            #expect(detail.json["attempts"]?.array.count == detail.json["attemptCount"].flatMap { if case .int(let n) = $0 { Int(n) } else { nil } })
            #expect(detail.json["attempts"]?.array.allSatisfy { $0["error"]?.string?.contains("could not resolve") == true } == true)
            #expect(try await api.admin(.get, "\(hooks)/\(threads)/deliveries?status=succeeded").json["data"]?.array.isEmpty == true)
            #expect(try await api.admin(.get, "\(hooks)/\(threads)/deliveries?status=failed").json["data"]?.array.count == 1)
            #expect(try await api.admin(.get, "\(hooks)/\(threads)/deliveries?status=lost").status == 422)
            #expect(try await api.admin(.get, "\(hooks)/\(threads)/deliveries/dlv_00000000000000000000000000").status == 404)

            // A refused publish writes no delivery either.
            _ = try await api.admin(.post, "/v1/organizations/\(org)/events", ["type": "nope.nothing", "data": [:]])
            #expect(try await deliveries(everything).count == 7)
        }
    ]
}
