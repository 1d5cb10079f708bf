import Foundation
import Hummingbird
import PatchbayConnectors
import PatchbayCore
import PatchbayDelivery
import PatchbayStorage
import PatchbayTestSupport
import Prometheus
import Testing

@testable import PatchbayHTTP

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

    // MARK: - What the document declares (the fixes a schemathesis run against the served document asked for)

    static let document = APIDocument.build()

    /// The operation with this `operationId`, with its path and method.
    static func operation(_ id: String) -> (path: String, method: String, operation: JSONValue)? {
        guard case .object(let paths)? = document["paths"] else { return nil }
        for (path, item) in paths {
            guard case .object(let operations) = item else { continue }
            for (method, operation) in operations where operation["operationId"] == .string(id) {
                return (path, method, operation)
            }
        }
        return nil
    }

    static func schema(_ name: String) -> JSONValue? { document["components"]?["schemas"]?[name] }

    @Test func integrationCreateAndUpdateDeclareEndpoint() throws {
        let create = try #require(Self.schema("IntegrationCreate"))
        #expect(create["properties"]?["endpoint"] == APIOperation.ref("IntegrationEndpoint"))
        let endpoint = try #require(Self.schema("IntegrationEndpoint"))
        #expect(endpoint["required"] == ["url"])
        #expect(endpoint["properties"]?["authorization"]?["properties"]?["scheme"]?["enum"] == ["Bearer", "Token"])
        #expect(endpoint["properties"]?["verifyTls"]?["type"] == "boolean")
        let update = try #require(Self.schema("IntegrationUpdate"))
        #expect(update["properties"]?["endpoint"] == APIOperation.ref("IntegrationEndpointUpdate"))
        #expect(Self.schema("IntegrationEndpointUpdate")?["properties"]?["authorization"]?["type"] == ["object", "null"])
        // The answer to an endpoint integration's create holds its secret and handshake; every integration shows its endpoint.
        let created = try #require(Self.operation("createIntegration"))
        #expect(created.operation["responses"]?["201"]?["content"]?["application/json"]?["schema"] == APIOperation.ref("IntegrationCreated"))
        #expect(Self.schema("Integration")?["properties"]?["endpoint"]?["type"] == ["object", "null"])
    }

    @Test func organizationMappingSuggestionDeclaresItsOptionalBody() throws {
        let suggest = try #require(Self.operation("suggestOrganizationMapping"))
        let body = try #require(suggest.operation["requestBody"])
        #expect(body["required"] == false)
        #expect(body["content"]?["application/json"]?["schema"] == APIOperation.ref("OrganizationMappingSuggest"))
        let schema = try #require(Self.schema("OrganizationMappingSuggest"))
        #expect(schema["additionalProperties"] == false)
        #expect(schema["properties"]?["parameters"]?["type"] == "object")
        #expect(schema["properties"]?["pageLimit"]?["maximum"] == 20)
    }

    @Test func webhookTestIsDescribedWithItsHandshakeAndWithoutTheSecret() throws {
        let test = try #require(Self.operation("testWebhook"))
        #expect(test.operation["responses"]?["200"]?["content"]?["application/json"]?["schema"] == APIOperation.ref("WebhookTested"))
        let tested = try #require(Self.schema("WebhookTested"))
        #expect(tested["allOf"]?[1]?["required"] == ["handshake"])
        #expect(Self.schema("WebhookCreated")?["allOf"]?[1]?["required"] == ["secret", "handshake"])
        #expect(Self.schema("Handshake")?["required"] == ["ok", "durationMs", "challengeEchoed", "deliveryId"])
    }

    @Test func publishingDeclaresTheIdempotencyKeyHeader() throws {
        for id in ["publishEvent", "publishEventBatch"] {
            let publish = try #require(Self.operation(id))
            let header = publish.operation["parameters"]?.array.first { $0["name"] == "Idempotency-Key" }
            #expect(header?["in"] == "header", "\(id)")
            #expect(header?["schema"]?["maxLength"] == 255, "\(id)")
        }
    }

    /// The server takes a boolean schema (JSON Schema's `true` and `false`) and answers with it; so does the document.
    @Test func eventTypeSchemasMayBeBooleans() async throws {
        #expect(Self.schema("EventTypeCreate")?["properties"]?["schema"]?["type"] == ["object", "boolean", "null"])
        #expect(Self.schema("EventType")?["properties"]?["schema"]?["type"] == ["object", "boolean", "null"])
        try await LiveServer.run(.sqlite) { api in
            let created = try await api.admin(.post, "/v1/event-types", ["name": "fuzz.anything", "schema": true])
            #expect(created.status == 201, "\(created.text)")
            #expect(created.json["schema"] == true)
        }
    }

    @Test func healthDeclaresItsDegradedAnswer() throws {
        let health = try #require(Self.operation("getHealth"))
        #expect(health.operation["responses"]?["503"]?["content"]?["application/json"]?["schema"] == APIOperation.ref("Health"))
    }

    /// Statuses the handlers answer that the document once left out (found by schemathesis: ST103) or that only
    /// a failing upstream produces.
    @Test(arguments: [
        ("deleteOrganization", 409), ("authorizeInstallation", 409), ("resendDelivery", 409), ("recoverWebhook", 409),
        ("finalizeIntegration", 409), ("createInstallation", 409), ("createUser", 409), ("deleteUser", 409), ("createAction", 409),
        ("renameActions", 409), ("createEventType", 403), ("createEventType", 409), ("publishEvent", 409), ("callIntegration", 502),
        ("callIntegration", 504), ("runAction", 502), ("suggestOrganizationMapping", 409), ("oauthCallback", 502), ("receiveInbound", 401),
        ("receiveInbound", 429), ("listOrganizations", 422), ("getOrganization", 429),
    ])
    func operationDeclaresAProblemItsHandlerAnswers(_ id: String, _ status: Int) throws {
        let found = try #require(Self.operation(id))
        let response = try #require(found.operation["responses"]?[String(status)], "\(id) does not declare \(status)")
        #expect(response["content"]?["application/problem+json"]?["schema"] == APIOperation.ref("Problem"))
    }

    @Test func everyOperationDeclaresTheProblemsItsShapeImplies() throws {
        for operation in APIOperation.all {
            let found = try #require(Self.operation(operation.id))
            let declared = Set(
                found.operation["responses"].map { value -> [String] in
                    if case .object(let members) = value { return Array(members.keys) }
                    return []
                } ?? [])
            var expected: Set<String> = []
            if !operation.isPublic { expected.formUnion(["401", "429", "503"]) }
            if operation.scope != nil { expected.insert("403") }
            if !operation.pathParameters.isEmpty { expected.insert("404") }
            if operation.requestSchema != nil { expected.formUnion(["400", "413", "415", "422"]) }
            #expect(expected.isSubset(of: declared), "\(operation.id) lacks \(expected.subtracting(declared).sorted())")
            // Conflicts are declared where a handler has one, not everywhere there is a body.
            if operation.problems.contains(409) != declared.contains("409") {
                Issue.record("\(operation.id): 409 declared \(declared.contains("409")), answered \(operation.problems.contains(409))")
            }
        }
    }

    /// The documented conflicts are the ones the server answers.
    @Test func conflictsTheServerAnswersAreDocumented() async throws {
        try await LiveServer.run(.sqlite) { api in
            let parent = try await api.organization("Parent")
            _ = try await api.organization("Child", parent: parent)
            let delete = try await api.admin(.delete, "/v1/organizations/\(parent)")
            #expect(delete.status == 409)
            #expect(Self.operation("deleteOrganization")?.operation["responses"]?["409"] != nil)

            // A paused webhook refuses a resend of its handshake delivery.
            let webhook = try await api.admin(
                .post, "/v1/organizations/\(parent)/webhooks", ["name": "Hook", "url": "https://hooks.example.com/in"])
            try #require(webhook.status == 201, "\(webhook.text)")
            let wh = try #require(webhook.json["id"]?.string)
            let delivery = try #require(webhook.json["handshake"]?["deliveryId"]?.string)
            let paused = try await api.admin(.patch, "/v1/organizations/\(parent)/webhooks/\(wh)", ["active": false])
            #expect(paused.status == 200)
            let resend = try await api.admin(.post, "/v1/organizations/\(parent)/webhooks/\(wh)/deliveries/\(delivery)/resend")
            #expect(resend.status == 409, "\(resend.text)")
            #expect(Self.operation("resendDelivery")?.operation["responses"]?["409"] != nil)
            // The test answer has no secret, as the document says.
            let test = try await api.admin(.post, "/v1/organizations/\(parent)/webhooks/\(wh)/test")
            #expect(test.status == 200)
            #expect(test.json["handshake"]?["deliveryId"]?.string != nil)
            #expect(test.json["secret"] == nil)
        }
    }
}
