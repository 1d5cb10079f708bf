import Foundation
import PatchbayCore
import PatchbayTestSupport
import Testing

/// A request that must be refused with this status (and pointer or parameter, where given).
struct HostileRequest: Sendable {
    var label: String
    var method: HTTPRequestMethod = .post
    var path: String = "/v1/organizations"
    var body: String?
    var contentType = "application/json"
    var status: Int
    var pointer: String?
    var parameter: String?
}

extension E2ECase {
    static let hostileRequests: [HostileRequest] = [
        HostileRequest(label: "malformed JSON", body: #"{"name": "#, status: 400),
        HostileRequest(label: "empty body", body: "", status: 400),
        HostileRequest(label: "trailing garbage", body: #"{"name": "a"} x"#, status: 400),
        HostileRequest(label: "an array, not an object", body: #"["name"]"#, status: 422, pointer: ""),
        HostileRequest(label: "a bare string", body: #""name""#, status: 422, pointer: ""),
        HostileRequest(label: "wrong type", body: #"{"name": 42}"#, status: 422, pointer: "/name"),
        HostileRequest(label: "null for a required field", body: #"{"name": null}"#, status: 422, pointer: "/name"),
        HostileRequest(label: "missing field", body: #"{}"#, status: 422, pointer: "/name"),
        HostileRequest(label: "unknown field", body: #"{"name": "a", "admin": true}"#, status: 422, pointer: "/admin"),
        HostileRequest(label: "blank name", body: #"{"name": "   "}"#, status: 422, pointer: "/name"),
        HostileRequest(label: "huge name", body: #"{"name": ""# + String(repeating: "a", count: 100_000) + #""}"#, status: 422, pointer: "/name"),
        HostileRequest(label: "NUL in a name", body: #"{"name": "a\u0000b"}"#, status: 422, pointer: "/name"),
        HostileRequest(
            label: "deep nesting", body: #"{"name": "a", "x": "# + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "}",
            status: 400),
        HostileRequest(label: "too large", body: #"{"name": ""# + String(repeating: "a", count: 1_100_000) + #""}"#, status: 413),
        HostileRequest(label: "wrong content type", body: "name=a", contentType: "application/x-www-form-urlencoded", status: 415),
        HostileRequest(label: "text/plain JSON", body: #"{"name": "a"}"#, contentType: "text/plain", status: 415),
        HostileRequest(label: "garbage parent id", body: #"{"name": "a", "parentId": "' OR 1=1 --"}"#, status: 422, pointer: "/parentId"),
        HostileRequest(label: "limit too large", method: .get, path: "/v1/organizations?limit=5000", status: 422, parameter: "limit"),
        HostileRequest(label: "limit not a number", method: .get, path: "/v1/organizations?limit=ten", status: 422, parameter: "limit"),
        HostileRequest(label: "unknown sort", method: .get, path: "/v1/organizations?sort=secret_hash", status: 422, parameter: "sort"),
        HostileRequest(label: "forged cursor", method: .get, path: "/v1/organizations?cursor=eyJ4IjoxfQ", status: 422, parameter: "cursor"),
        HostileRequest(label: "injection in a path id", method: .get, path: "/v1/organizations/org_'%20OR%201=1%20--", status: 404),
        HostileRequest(label: "unknown route", method: .get, path: "/v1/nothing-here", status: 404),
    ]

    static let hostile: [E2ECase] = [
        E2ECase("bad input gets a precise problem, never a 500, and stores nothing") { api, _ in
            let before = try await api.admin(.get, "/v1/organizations?limit=1000").json["data"]?.array.count
            for request in hostileRequests {
                let response = try await api.call(
                    request.method.value, request.path, token: api.adminToken, json: request.body, contentType: request.contentType)
                #expect(response.status == request.status, "\(request.label): \(response.status) \(response.text.prefix(300))")
                #expect(response.header("Content-Type") == "application/problem+json", "\(request.label)")
                #expect(response.json["status"] == .int(Int64(request.status)), "\(request.label)")
                #expect(response.json["title"]?.string?.isEmpty == false, "\(request.label)")
                if let pointer = request.pointer {
                    #expect(response.json["errors"]?[0]?["pointer"] == .string(pointer), "\(request.label): \(response.text.prefix(300))")
                }
                if let parameter = request.parameter {
                    #expect(response.json["errors"]?[0]?["parameter"] == .string(parameter), "\(request.label)")
                }
            }
            #expect(try await api.admin(.get, "/v1/organizations?limit=1000").json["data"]?.array.count == before)
        },
        E2ECase("unauthenticated requests get 401 with a reason") { api, _ in
            for header in [
                nil, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer pb_nottherealtoken", "Bearer " + String(repeating: "x", count: 5000),
            ] {
                var headers: [String: String] = [:]
                if let header { headers["Authorization"] = header }
                let response = try await api.call(.get, "/v1/organizations", headers: headers)
                #expect(response.status == 401, "\(header ?? "nil")")
                #expect(response.header("Content-Type") == "application/problem+json")
            }
            #expect(try await api.call(.get, "/v1/health").status == 200)
            #expect(try await api.call(.get, "/v1/openapi.json").status == 200)
        },
        E2ECase("injection-looking and unicode strings are stored verbatim") { api, _ in
            let org = try await api.organization()
            for name in [
                "Robert'); DROP TABLE users;--", "1' OR '1'='1", "{{7*7}}", "${jndi:ldap://x}", "<img src=x onerror=alert(1)>",
                "Zoë 🚀 株式会社", "\u{202E}gnp.exe", "Ünïcödé\nnewline? no", "%00", "\\\"quoted\\\"",
            ] {
                let created = try await api.admin(
                    .post, "/v1/organizations/\(org)/users", ["name": .string(name), "email": .string("x\(UUID().uuidString.prefix(6))@example.com")])
                if name.contains("\n") {
                    #expect(created.status == 422, "newlines are control characters in a name")
                    continue
                }
                #expect(created.status == 201, "\(name): \(created.text)")
                let id = created.json["id"]?.string ?? ""
                #expect(try await api.admin(.get, "/v1/organizations/\(org)/users/\(id)").json["name"] == .string(name))
            }
        },
    ]
}
