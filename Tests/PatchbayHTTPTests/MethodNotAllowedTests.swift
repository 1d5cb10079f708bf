import Foundation
import HTTPTypes
import PatchbayCore
import PatchbayTestSupport
import Testing

/// A method a real path does not serve is a 405 with `Allow` (RFC 9110 §15.5.6), not a 404.
@Suite struct MethodNotAllowedTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let method: HTTPRequest.Method
        let path: String
        let allow: String
        var testDescription: String { "\(method.rawValue) \(path)" }
    }

    static let cases: [Case] = [
        Case(method: .put, path: "/v1/organizations", allow: "GET, POST"),
        Case(method: .delete, path: "/v1/health", allow: "GET"),
        Case(method: .patch, path: "/v1/openapi.json", allow: "GET"),
        Case(method: .post, path: "/v1/organizations/org_00000000000000000000000000", allow: "DELETE, GET, PATCH"),
        Case(method: .put, path: "/v1/organizations/org_00000000000000000000000000/users/usr_1", allow: "DELETE, GET, PATCH"),
        // A fixed segment wins over a parameter, as in the router: this is the import route, not an integration.
        Case(method: .get, path: "/v1/organizations/org_00000000000000000000000000/integrations/import", allow: "POST"),
        Case(method: .get, path: "/v1/organizations/org_00000000000000000000000000/integrations/int_1/actions/rename", allow: "POST"),
        Case(method: .delete, path: "/v1/organizations/org_00000000000000000000000000/installations/ins_1/organization-mapping", allow: "GET, PUT"),
        Case(method: .get, path: "/in/not-a-real-token", allow: "POST"),
        Case(method: .head, path: "/metrics", allow: "GET"),
        // A trailing slash reaches the same route.
        Case(method: .put, path: "/v1/event-types/", allow: "GET, POST"),
    ]

    @Test(arguments: cases)
    func undeclaredMethodOnARealPathAnswers405WithAllow(_ entry: Case) async throws {
        try await LiveServer.run(.sqlite) { api in
            for token in [api.adminToken, nil] {
                let response = try await api.call(entry.method, entry.path, token: token)
                #expect(response.status == 405, "\(entry) with token: \(token != nil): \(response.text)")
                #expect(response.header("Allow") == entry.allow, "\(entry)")
                #expect(response.header("Content-Type") == "application/problem+json", "\(entry)")
                if entry.method != .head {
                    #expect(response.json["type"] == "/problems/method-not-allowed", "\(entry)")
                    #expect(response.json["status"] == 405, "\(entry)")
                }
            }
        }
    }

    @Test func unknownPathsStay404AndServedMethodsStillReachTheirHandlers() async throws {
        try await LiveServer.run(.sqlite) { api in
            let unknown = try await api.call(.get, "/v1/nothing-here", token: api.adminToken)
            #expect(unknown.status == 404)
            #expect(unknown.json["type"] == "/problems/route-not-found")
            #expect(unknown.header("Allow") == nil)
            let deeper = try await api.call(
                .post, "/v1/organizations/org_00000000000000000000000000/installations/ins_1/oauth", token: api.adminToken)
            #expect(deeper.status == 404)
            // A served method on the same path is the handler's answer, not a 405.
            let served = try await api.call(.get, "/v1/organizations/org_00000000000000000000000000", token: api.adminToken)
            #expect(served.status == 404)
            #expect(served.json["type"] == "/problems/not-found")
            let listed = try await api.call(.get, "/v1/organizations", token: api.adminToken)
            #expect(listed.status == 200)
        }
    }

    /// Every path of the served document, with every method it does not declare: 405 and exactly the declared ones.
    @Test func everyDocumentedPathAllowsExactlyItsDocumentedMethods() async throws {
        try await LiveServer.run(.sqlite) { api in
            let document = try await api.call(.get, "/v1/openapi.json").json
            guard case .object(let paths)? = document["paths"] else {
                Issue.record("no paths")
                return
            }
            let probes: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete]
            for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
                guard case .object(let operations) = item else { continue }
                let declared = Set(operations.keys.map { $0.uppercased() })
                let allow = declared.sorted().joined(separator: ", ")
                let concrete = path.split(separator: "/", omittingEmptySubsequences: false)
                    .map { $0.hasPrefix("{") ? "x_0000000000000000000000000" : String($0) }.joined(separator: "/")
                for method in probes where !declared.contains(method.rawValue) {
                    let response = try await api.call(method, concrete, token: api.adminToken)
                    #expect(response.status == 405, "\(method.rawValue) \(path): \(response.text)")
                    #expect(response.header("Allow") == allow, "\(method.rawValue) \(path)")
                }
            }
        }
    }
}
