import Foundation
import Hummingbird
import PatchbayConnectors
import PatchbayCore
import PatchbayDelivery
import PatchbayHTTP
import PatchbayStorage
import PatchbayTestSupport
import Prometheus
import Testing

@Suite struct APIDocumentTests {
    @Test func everyServedRouteIsDocumentedAndEveryDocumentedOperationIsServed() async throws {
        try await LiveServer.run(.sqlite) { api in
            let document = try await api.call(.get, "/v1/openapi.json").json
            #expect(document["openapi"] == "3.1.0")
            guard case .object(let paths)? = document["paths"] else {
                Issue.record("no paths")
                return
            }
            var documented: Set<String> = []
            for (path, item) in paths {
                guard case .object(let operations) = item else { continue }
                for (method, operation) in operations {
                    #expect(operation["operationId"]?.string != nil, "\(method) \(path)")
                    documented.insert("\(method.uppercased()) \(path)")
                }
            }
            let sender = WebhookSender(policy: AddressPolicy(allowPrivateTargets: false), resolver: OfflineResolver(), clock: SystemTimeSource())
            let router = PatchbayRouter.build(
                store: api.store, clock: SystemTimeSource(), settings: HTTPSettings(), registry: PrometheusCollectorRegistry(), sender: sender,
                connectors: Connectors(store: api.store, client: sender.client, clock: SystemTimeSource(), logger: TestDatabase.logger)
            )
            await sender.shutdown()
            let served = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
            #expect(
                served == documented,
                "served but undocumented: \(served.subtracting(documented)); documented but not served: \(documented.subtracting(served))")

            // Each documented operation answers with something other than "no such route".
            for route in documented.sorted() {
                let parts = route.split(separator: " ", maxSplits: 1)
                let method = HTTPRequest.Method(rawValue: String(parts[0])) ?? .get
                let path = String(parts[1]).split(separator: "/", omittingEmptySubsequences: false)
                    .map { $0.hasPrefix("{") ? "org_00000000000000000000000000" : String($0) }.joined(separator: "/")
                let response = try await api.call(method, path, token: api.adminToken, json: method == .get || method == .delete ? nil : "{}")
                #expect(response.json["type"] != "/problems/route-not-found", "\(route) is documented but not served")
            }
        }
    }

    @Test func metricsCountRequestsByRouteAndStatus() async throws {
        try await LiveServer.run(.sqlite) { api in
            _ = try await api.admin(.get, "/v1/organizations")
            _ = try await api.call(.get, "/v1/organizations")
            let metrics = try await api.call(.get, "/metrics")
            #expect(metrics.header("Content-Type")?.hasPrefix("text/plain") == true)
            #expect(metrics.text.contains(#"patchbay_http_requests_total{route="/v1/organizations",method="GET",status="200"} 1"#))
            #expect(metrics.text.contains(#"patchbay_http_requests_total{route="/v1/organizations",method="GET",status="401"} 1"#))
            #expect(metrics.text.contains("patchbay_http_request_duration_seconds_bucket"))
            let health = try await api.call(.get, "/v1/health")
            #expect(health.json["status"] == "ok")
            #expect(health.json["database"] == "ok")
        }
    }
}
