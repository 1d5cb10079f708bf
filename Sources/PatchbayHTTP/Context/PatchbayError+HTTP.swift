import Foundation
import Hummingbird
import PatchbayCore

/// RFC 9457 problem details.
struct ProblemDocument: Encodable {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var instance: String?
    var errors: [FieldError]
}

extension PatchbayError: HTTPResponseError {
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: kind.status) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        problemResponse(instance: request.uri.path)
    }

    /// The problem+json response for this error.
    public func problemResponse(instance: String?, headers extra: HTTPFields = [:]) -> Response {
        let document = ProblemDocument(
            type: "/problems/\(kind.slug)",
            title: kind.title,
            status: kind.status,
            detail: detail,
            instance: instance,
            errors: errors
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        let body = (try? encoder.encode(document)) ?? Data("{}".utf8)
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        headers.append(contentsOf: extra)
        if let retryAfterSeconds, headers[.retryAfter] == nil { headers[.retryAfter] = String(retryAfterSeconds) }
        if kind == .unauthenticated { headers[.wwwAuthenticate] = "Bearer realm=\"patchbay\"" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
