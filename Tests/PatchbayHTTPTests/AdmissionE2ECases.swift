import AsyncHTTPClient
import Foundation
import NIOCore
import PatchbayApp
import PatchbayCore
import PatchbayTestSupport
import Testing

extension E2ECase {
    /// A syntactically valid OpenAPI 3.0 document of about `paths` × 300 bytes (large ones count against the
    /// document-parsing cap).
    static func largeDocument(paths: Int) -> String {
        let operations = (0..<paths).map { index in
            #""/items\#(index)/{id}":{"get":{"operationId":"getItem\#(index)","summary":"Get item \#(index)","#
                + #""parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string","pattern":"^[a-z0-9]+$"}}],"#
                + #""responses":{"200":{"description":"The item","content":{"application/json":{"schema":{"type":"object"}}}}}}}"#
        }
        return #"{"openapi":"3.0.3","info":{"title":"Large","version":"1"},"paths":{"# + operations.joined(separator: ",") + "}}"
    }

    static let admission: [E2ECase] = [
        // Heavy: a 900 KB value is parsed, validated and stored in a debug build against a 10 s bound.
        E2ECase(
            "event-type patterns run in bounded time; backreferences and look-around are refused with the reason", heavy: true, configure: { _ in }
        ) {
            api, _ in
            let refused = try await api.admin(
                .post, "/v1/event-types", ["name": "pattern.backref", "schema": ["type": "string", "pattern": "^(a)\\1$"]])
            #expect(refused.status == 422 && refused.json["errors"]?[0]?["pointer"] == "/schema/pattern", "\(refused.text)")
            #expect(refused.text.contains("backreference"), "\(refused.text)")
            let lookahead = try await api.admin(
                .post, "/v1/event-types", ["name": "pattern.lookahead", "schema": ["type": "string", "pattern": "^(?=a)"]])
            #expect(lookahead.status == 422, "\(lookahead.text)")
            let created = try await api.admin(
                .post, "/v1/event-types",
                ["name": "pattern.trap", "schema": ["type": "object", "properties": ["code": ["type": "string", "pattern": "^(a|aa)+$"]]]])
            try #require(created.status == 201, "\(created.text)")
            let org = try await api.organization()
            let started = ContinuousClock.now
            let trap = try await api.admin(
                .post, "/v1/organizations/\(org)/events",
                ["type": "pattern.trap", "data": ["code": .string(String(repeating: "a", count: 60) + "b")]])
            #expect(trap.status == 422 && trap.json["errors"]?[0]?["pointer"] == "/data/code", "\(trap.text)")
            let megabyte = try await api.admin(
                .post, "/v1/organizations/\(org)/events", ["type": "pattern.trap", "data": ["code": .string(String(repeating: "a", count: 900_000))]])
            #expect(megabyte.status == 202, "\(megabyte.text.prefix(200))")
            #expect(ContinuousClock.now - started < .seconds(10), "backtracking would take longer than the age of the universe")
        },
        E2ECase(
            "a token over its rate limit gets 429 with Retry-After and RateLimit headers; admin tokens are exempt",
            configure: {
                $0.rateLimit = 5
            }
        ) { api, _ in
            let org = try await api.organization()
            let token = try await api.token(in: org)
            var statuses: [Int] = []
            var remaining: [Int] = []
            for _ in 0..<14 {
                let response = try await api.call(.get, "/v1/organizations/\(org)", token: token)
                statuses.append(response.status)
                #expect(response.header("RateLimit-Limit") == "5", "every limited answer says the limit")
                remaining.append(Int(response.header("RateLimit-Remaining") ?? "") ?? -1)
                #expect(Int(response.header("RateLimit-Reset") ?? "") != nil)
                if response.status == 429 {
                    #expect(Int(response.header("Retry-After") ?? "").map { $0 >= 1 } == true)
                    #expect(response.header("Content-Type") == "application/problem+json")
                }
            }
            // The clock stands still in these tests: a burst of twice the rate, then refusals.
            #expect(statuses == Array(repeating: 200, count: 10) + Array(repeating: 429, count: 4), "\(statuses)")
            #expect(remaining.prefix(10) == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0], "\(remaining)")
            // Errors inside the limit carry the headers too, and another token has its own bucket.
            let other = try await api.token(in: org)
            let missing = try await api.call(.get, "/v1/organizations/\(org)/users/usr_missing", token: other)
            #expect(missing.status == 404 && missing.header("RateLimit-Remaining") == "9")
            for _ in 0..<30 {
                let admin = try await api.admin(.get, "/v1/organizations/\(org)")
                #expect(admin.status == 200 && admin.header("RateLimit-Limit") == nil)
            }
        },
        E2ECase("an inbound URL over its rate limit gets 429 before verification", configure: { $0.inboundRateLimit = 2 }) { api, _ in
            _ = try await api.admin(.post, "/v1/event-types", ["name": "limited.inbound"])
            let org = try await api.organization()
            let endpoint = try await api.inbound(in: org, ["name": "n", "eventType": "limited.inbound", "verification": ["scheme": "none"]])
            let other = try await api.inbound(in: org, ["name": "o", "eventType": "limited.inbound", "verification": ["scheme": "none"]])
            var statuses: [Int] = []
            for index in 0..<6 {
                let response = try await api.post(
                    endpoint.path, bytes: Array(#"{"n":\#(index)}"#.utf8), headers: ["Content-Type": "application/json"])
                statuses.append(response.status)
                #expect(response.header("RateLimit-Limit") == "2")
                if response.status == 429 { #expect(response.header("Retry-After") != nil) }
            }
            #expect(statuses == [200, 200, 200, 200, 429, 429], "\(statuses)")
            // Refused requests were not stored; another endpoint has its own budget.
            #expect(try await api.inboundRequests(org, endpoint.id).count == 4)
            let fresh = try await api.post(other.path, bytes: Array(#"{"n":1}"#.utf8), headers: ["Content-Type": "application/json"])
            #expect(fresh.status == 200)
        },
        E2ECase(
            "large documents past the parsing cap get 503 with Retry-After; token checks go on", heavy: true,
            configure: {
                $0.maxDocumentParses = 1
            }
        ) { api, _ in
            let org = try await api.organization()
            let token = try await api.token(in: org)
            let document = largeDocument(paths: 3_000)
            #expect(document.utf8.count > 512 * 1024)
            let (statuses, reads) = try await withThrowingTaskGroup(of: (Int?, Int?).self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        // Each on its own connection (the test client sends one request at a time).
                        var request = HTTPClientRequest(url: "http://127.0.0.1:\(api.port)/v1/openapi/lint")
                        request.method = .POST
                        request.headers.add(name: "Authorization", value: "Bearer \(api.adminToken)")
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.body = .bytes(ByteBuffer(string: document))
                        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
                        _ = try await response.body.collect(upTo: 1 << 24)
                        if response.status.code == 503 {
                            #expect(response.headers.first(name: "Retry-After") == "2")
                            #expect(response.headers.first(name: "Content-Type") == "application/problem+json")
                        }
                        return (Int(response.status.code), nil)
                    }
                }
                group.addTask { (nil, try await api.call(.get, "/v1/organizations/\(org)", token: token).status) }
                var statuses: [Int] = []
                var reads: [Int] = []
                for try await (status, read) in group {
                    if let status { statuses.append(status) }
                    if let read { reads.append(read) }
                }
                return (statuses.sorted(), reads)
            }
            #expect(statuses.contains(200) && statuses.contains(503), "\(statuses)")
            #expect(statuses.allSatisfy { $0 == 200 || $0 == 503 }, "\(statuses)")
            #expect(reads == [200])
        },
    ]
}
