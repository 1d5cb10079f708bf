import Foundation
import PatchbayApp
import PatchbayCore
import PatchbayTestSupport
import Testing

/// One end-to-end behaviour, run against a live server on each store.
struct E2ECase: Sendable, CustomTestStringConvertible {
    let name: String
    let body: @Sendable (APIClient, ManualTimeSource) async throws -> Void
    var configure: @Sendable (inout PatchbayConfiguration) -> Void = { _ in }
    /// CPU-heavy cases run apart from timing-sensitive tests (see `exclusively`).
    var isHeavy = false
    var testDescription: String { name }

    init(_ name: String, _ body: @escaping @Sendable (APIClient, ManualTimeSource) async throws -> Void) {
        self.name = name
        self.body = body
    }

    init(
        _ name: String,
        heavy: Bool = false,
        configure: @escaping @Sendable (inout PatchbayConfiguration) -> Void,
        _ body: @escaping @Sendable (APIClient, ManualTimeSource) async throws -> Void
    ) {
        self.name = name
        self.body = body
        self.configure = configure
        self.isHeavy = heavy
    }

    func run(on kind: StoreKind) async throws {
        let clock = ManualTimeSource(nowMillis: SystemTimeSource().nowMillis)
        let work = { try await LiveServer.run(kind, clock: clock, configure: configure) { api in try await body(api, clock) } }
        if isHeavy { try await exclusively(work) } else { try await work() }
    }
}

extension JSONValue {
    var array: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }

    var string: String? { stringValue }

    subscript(index: Int) -> JSONValue? {
        let items = array
        return index < items.count ? items[index] : nil
    }
}

extension APIClient {
    /// Creates an organization as admin (under `parent` when given) and returns its id.
    func organization(_ name: String = "Org", parent: String? = nil) async throws -> String {
        var body: [String: JSONValue] = ["name": .string(name)]
        if let parent { body["parentId"] = .string(parent) }
        let response = try await admin(.post, "/v1/organizations", .object(body))
        try #require(response.status == 201, "\(response.text)")
        return try #require(response.json["id"]?.string)
    }

    /// Creates a token in `org` as admin and returns its secret.
    func token(in org: String, scopes: [String] = ["*"], extra: [String: JSONValue] = [:]) async throws -> String {
        var body: [String: JSONValue] = ["name": "test", "scopes": .array(scopes.map { .string($0) })]
        body.merge(extra) { _, new in new }
        let response = try await admin(.post, "/v1/organizations/\(org)/tokens", .object(body))
        try #require(response.status == 201, "\(response.text)")
        return try #require(response.json["token"]?.string)
    }

    func send(_ method: HTTPRequestMethod, _ path: String, token: String, _ body: JSONValue? = nil) async throws -> APIResponse {
        try await call(method.value, path, token: token, json: body.map(APIClient.encode))
    }
}
