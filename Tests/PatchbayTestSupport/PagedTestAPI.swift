import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PatchbayCore
import Synchronization

/// A third-party API on a real socket, paginated in each of the five styles over the same 95 items
/// (`{"id": n, "name": "Item n"}`), plus misbehaving routes: flaky, rate-limited, slow, huge, looping pages, a
/// next link to another origin, and an echo of what was sent. Every request is recorded.
public final class PagedTestAPI: Sendable {
    public static let itemCount = 95

    public struct Seen: Sendable {
        public var method: String
        public var path: String
        public var query: String
        public var headers: [String: String]
        public var body: [UInt8]
    }

    private let seen = Mutex<[Seen]>([])
    private let counters = Mutex<[String: Int]>([:])

    public init() {}

    public var requests: [Seen] { seen.withLock { $0 } }
    public func requests(to path: String) -> [Seen] { requests.filter { $0.path == path } }

    static func items(_ range: Range<Int>) -> [JSONValue] {
        range.clamped(to: 0..<itemCount).map { ["id": .int(Int64($0 + 1)), "name": .string("Item \($0 + 1)")] }
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: JSONText.encode(value))))
    }

    private func count(_ key: String) -> Int {
        counters.withLock { counters in
            counters[key, default: 0] += 1
            return counters[key]!
        }
    }

    public func run<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.middlewares.add(RecordingMiddleware(api: self))
        router.get("/offset") { request, _ in
            let query = request.uri.queryParameters
            let offset = query["offset"].flatMap { Int(String($0)) } ?? 0
            let limit = query["limit"].flatMap { Int(String($0)) } ?? 10
            return Self.json(["data": .array(Self.items(offset..<offset + limit)), "total": .int(Int64(Self.itemCount))])
        }
        router.get("/page") { request, _ in
            let query = request.uri.queryParameters
            let page = query["page"].flatMap { Int(String($0)) } ?? 1
            let size = query["per_page"].flatMap { Int(String($0)) } ?? 10
            return Self.json(["results": .array(Self.items((page - 1) * size..<page * size))])
        }
        // RFC 8288 header with commas inside the URL, a quoted title holding a comma, and relative targets.
        router.get("/link") { request, _ in
            let query = request.uri.queryParameters
            let start = query["start"].flatMap { Int(String($0)) } ?? 0
            let size = query["size"].flatMap { Int(String($0)) } ?? 10
            var links = [#"</link?start=0&size=\#(size)&tags=a,b>; rel="first"; title="First, page""#]
            if start + size < Self.itemCount { links.append(#"</link?start=\#(start + size)&size=\#(size)&tags=a,b>; title="x, y"; rel="next""#) }
            return Self.json(.array(Self.items(start..<start + size)), headers: [HTTPField.Name("Link")!: links.joined(separator: ", ")])
        }
        router.get("/bodylink") { request, _ in
            let start = request.uri.queryParameters["start"].flatMap { Int(String($0)) } ?? 0
            let next: JSONValue = start + 25 < Self.itemCount ? .string("/bodylink?start=\(start + 25)") : .null
            return Self.json(["items": .array(Self.items(start..<start + 25)), "links": ["next": next]])
        }
        router.get("/cursor") { request, _ in
            let query = request.uri.queryParameters
            let after = query["after"].flatMap { Int(String($0).dropFirst()) } ?? 0
            let limit = query["limit"].flatMap { Int(String($0)) } ?? 10
            let end = min(after + limit, Self.itemCount)
            let next: JSONValue = end < Self.itemCount ? .string("c\(end)") : .null
            return Self.json(["data": .array(Self.items(after..<end)), "meta": ["next_cursor": next]])
        }
        // New items on every call, but always the same cursor.
        // A provider's companies (two pages of two) and a per-company resource, for organization mapping.
        router.get("/companies") { request, _ in
            let page = request.uri.queryParameters["page"].flatMap { Int(String($0)) } ?? 1
            let all: [JSONValue] = [["id": "c-1", "name": "ACME"], ["id": "c-2", "name": "Globex Corporation"], ["id": "c-3", "name": "Umbrella"]]
            return Self.json(["companies": .array(Array(all.dropFirst((page - 1) * 2).prefix(2)))])
        }
        router.get("/tickets") { request, _ in
            Self.json(["companyId": .string(request.uri.queryParameters["companyId"].map(String.init) ?? "")])
        }
        router.get("/repeat-cursor") { _, _ in
            let call = self.count("repeat-cursor")
            return Self.json(["data": .array(Self.items(call * 5..<call * 5 + 5)), "meta": ["next_cursor": "same"]])
        }
        router.get("/same") { _, _ in Self.json(["results": .array(Self.items(0..<5))]) }
        router.get("/foreign") { _, _ in
            Self.json(.array(Self.items(0..<5)), headers: [HTTPField.Name("Link")!: #"<http://198.51.100.7/steal>; rel="next""#])
        }
        router.get("/flaky") { _, _ in
            self.count("flaky") <= 2 ? Response(status: .serviceUnavailable) : Self.json(["ok": true])
        }
        router.post("/flaky-post") { _, _ in Response(status: .serviceUnavailable) }
        router.get("/ratelimited") { _, _ in
            self.count("ratelimited") == 1
                ? Response(status: .tooManyRequests, headers: [HTTPField.Name("Retry-After")!: "1"]) : Self.json(["ok": true])
        }
        router.get("/slow") { _, _ in
            try await Task.sleep(for: .seconds(3))
            return Self.json(["ok": true])
        }
        router.get("/big") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(repeating: UInt8(ascii: "x"), count: 2 << 20)))
        }
        router.get("/secure-key") { request, _ in
            let key = request.headers[HTTPField.Name("X-Api-Key")!] ?? request.uri.queryParameters["api_key"].map(String.init)
            return key == "key-7f3a9c2e1b" ? Self.json(["ok": true]) : Response(status: .unauthorized)
        }
        router.get("/secure-basic") { request, _ in
            request.headers[.authorization] == "Basic " + Data("ann:p@ss w".utf8).base64EncodedString()
                ? Self.json(["ok": true]) : Response(status: .unauthorized)
        }
        router.on("/echo/{id}", method: .post) { request, _ in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            var headers: [String: JSONValue] = [:]
            for field in request.headers { headers[field.name.canonicalName] = .string(field.value) }
            return Self.json([
                "path": .string(request.uri.path), "query": .string(request.uri.query ?? ""), "headers": .object(headers), "body": .string(body),
            ])
        }
        return try await TestHTTPServer.run(router: router, body)
    }

    func record(_ request: Request) {
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        seen.withLock {
            $0.append(Seen(method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "", headers: headers, body: []))
        }
    }

    struct RecordingMiddleware: RouterMiddleware {
        typealias Context = BasicRequestContext
        let api: PagedTestAPI

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            api.record(request)
            return try await next(request, context)
        }
    }
}
