import Foundation
import HTTPTypes
import Hummingbird
import PatchbayCore
import PatchbayDelivery

/// JSON responses in the API's shape.
enum JSONResponse {
    /// One encoder for every response (encoding is safe from several tasks at once; making one costs each response).
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    /// Written by the streaming encoder (members in the order encoded); `JSONEncoder` takes what that cannot write.
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        let body = try StreamingJSONEncoder.encode(value).map { ByteBuffer(bytes: $0) } ?? ByteBuffer(bytes: try encoder.encode(value))
        return Response(status: status, headers: fields, body: .init(byteBuffer: body))
    }

    /// `{"data": [...], "nextCursor": …}` with a `Link: <…>; rel="next"` header when there is a next page.
    static func list<Item: Encodable & Sendable>(_ page: Page<Item>, request: Request) throws -> Response {
        var headers: HTTPFields = [:]
        if let next = page.nextCursor {
            var items = request.uri.queryParameters.filter { $0.key != "cursor" }.map {
                URLQueryItem(name: String($0.key), value: String($0.value))
            }
            items.append(URLQueryItem(name: "cursor", value: next))
            var components = URLComponents()
            components.path = request.uri.path
            components.queryItems = items
            headers[.link] = "<\(components.string ?? request.uri.path)>; rel=\"next\""
        }
        return try make(ListBody(data: page.items, nextCursor: page.nextCursor), headers: headers)
    }

    static func noContent() -> Response { Response(status: .noContent) }
}

struct ListBody<Item: Encodable>: Encodable {
    var data: [Item]
    var nextCursor: String?

    enum CodingKeys: CodingKey { case data, nextCursor }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(data, forKey: .data)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}

extension HTTPField.Name {
    static var link: Self { Self("Link")! }
}

/// A resource as its create (or test) response shows it: its own fields, then what only this response carries —
/// a secret shown once, a handshake's result — each left out when absent.
struct CreatedResource<Resource: Encodable>: Encodable {
    var resource: Resource
    var secret: String?
    var handshake: HandshakeResult?

    enum Keys: String, CodingKey { case secret, handshake }

    func encode(to encoder: any Encoder) throws {
        try resource.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encodeIfPresent(secret, forKey: .secret)
        try container.encodeIfPresent(handshake, forKey: .handshake)
    }
}
