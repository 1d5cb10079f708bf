import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PatchbayApp
import PatchbayCore
import PatchbayDelivery
import PatchbayStorage

/// A response as the tests see it.
public struct APIResponse: Sendable {
    public var status: Int
    public var headers: HTTPFields
    public var body: Data

    /// The body parsed as JSON (`.null` when it is not JSON).
    public var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: body)) ?? .null }
    public var text: String { String(decoding: body, as: UTF8.self) }
    public func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { headers[$0] } }
}

/// Drives a real Patchbay server over a socket.
public struct APIClient: Sendable {
    let send: @Sendable (HTTPRequest.Method, String, HTTPFields, ByteBuffer?) async throws -> APIResponse
    public let adminToken: String
    public let store: Store
    /// The server's port, for tests that make the server call itself.
    public var port: Int = 0

    public func call(
        _ method: HTTPRequest.Method,
        _ path: String,
        token: String? = nil,
        json: String? = nil,
        contentType: String = "application/json",
        headers extra: [String: String] = [:]
    ) async throws -> APIResponse {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = contentType }
        for (name, value) in extra { if let field = HTTPField.Name(name) { headers[field] = value } }
        return try await send(method, path, headers, json.map { ByteBuffer(string: $0) })
    }

    /// Sends raw bytes with the given headers and no token (what a provider posting to `/in/…` does).
    public func post(_ path: String, bytes: [UInt8], headers extra: [String: String]) async throws -> APIResponse {
        var headers = HTTPFields()
        for (name, value) in extra { if let field = HTTPField.Name(name) { headers[field] = value } }
        return try await send(.post, path, headers, ByteBuffer(bytes: bytes))
    }

    /// Sends `body` as JSON (encoded from a JSONValue) with the admin token unless another is given.
    public func admin(_ method: HTTPRequest.Method, _ path: String, _ body: JSONValue? = nil) async throws -> APIResponse {
        try await call(method, path, token: adminToken, json: body.map(Self.encode))
    }

    public static func encode(_ value: JSONValue) -> String {
        String(decoding: (try? JSONEncoder().encode(value)) ?? Data(), as: UTF8.self)
    }
}

/// Starts the whole application (the same `buildApplication` as `patchbay serve`) on an ephemeral port.
public enum LiveServer {
    public static func run(
        _ kind: StoreKind,
        clock: any TimeSource = SystemTimeSource(),
        configure: @Sendable (inout PatchbayConfiguration) -> Void = { _ in },
        _ body: @Sendable (APIClient) async throws -> Void
    ) async throws {
        let (store, cleanup) = try await TestDatabase.openStore(kind)
        do {
            try await run(store: store, clock: clock, configure: configure, body)
        } catch {
            await cleanup()
            throw error
        }
        await cleanup()
    }

    /// As `run(_:…)`, on a store the caller opened (and removes): several instances can share one database.
    public static func run(
        store: Store,
        adminToken: String = "pb_env_admin_" + UUID().uuidString.replacingOccurrences(of: "-", with: ""),
        clock: any TimeSource = SystemTimeSource(),
        configure: @Sendable (inout PatchbayConfiguration) -> Void = { _ in },
        _ body: @Sendable (APIClient) async throws -> Void
    ) async throws {
        var configuration = PatchbayConfiguration()
        configuration.port = 0
        configuration.adminToken = adminToken
        configure(&configuration)
        let adminToken = configuration.adminToken ?? ""
        let app = PatchbayServer.buildApplication(
            configuration: configuration, store: store, clock: clock, resolver: OfflineResolver(), logger: TestDatabase.logger
        )
        try await app.test(.live) { client in
            let api = APIClient(
                send: { method, path, headers, body in
                    try await client.execute(uri: path, method: method, headers: headers, body: body) { response in
                        APIResponse(status: Int(response.status.code), headers: response.headers, body: Data(buffer: response.body))
                    }
                },
                adminToken: adminToken,
                store: store,
                port: client.port ?? 0
            )
            try await body(api)
        }
    }
}

/// Tests never look names up: address literals and `localhost` resolve, anything else fails at once, so a
/// webhook to `https://hooks.example.com` is created (in state `failing`) without touching the network.
public struct OfflineResolver: HostResolver {
    public init() {}

    public func resolve(_ host: String) async throws -> [IPAddress] {
        if let literal = IPAddress(host: host) { return [literal] }
        if host == "localhost" { return [.v4(0x7F00_0001)] }
        throw DeliveryError.resolution(host: host, reason: "tests resolve no names")
    }
}
