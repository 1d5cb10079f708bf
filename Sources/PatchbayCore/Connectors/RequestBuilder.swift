import Foundation

/// One request to a third-party API, ready to send.
public struct OutboundRequest: Sendable, Equatable {
    public var method: String
    public var url: String
    public var headers: [Header]
    public var body: [UInt8]

    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(method: String, url: String, headers: [Header] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Safe methods and PUT/DELETE may be retried after a failure without asking (RFC 9110 §9.2.2).
    public var isIdempotent: Bool { ["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"].contains(method) }
}

/// Turns an action and checked input into a request: path parameters percent-encoded into their segments, query
/// parameters serialized by their OpenAPI `style`/`explode`, header and cookie parameters, and the body encoded as
/// JSON, form or multipart according to the media types the operation accepts.
public enum RequestBuilder {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// RFC 3986 unreserved characters; everything else in a value is percent-encoded.
    static let unreserved: CharacterSet = {
        var set = CharacterSet()
        set.insert(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return set
    }()

    public static func build(
        action: ActionDefinition, input: ActionInput, baseURL: String, boundary: @autoclosure () -> String = UUID().uuidString
    ) throws(Failure) -> OutboundRequest {
        let declared = Dictionary(action.parameters.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var path = ""
        for segment in PathTemplate.parts(of: action.path) {
            switch segment {
            case .literal(let text):
                path += text
            case .variable(let name):
                guard let value = input.parameters[name], let parameter = declared[name] else {
                    throw Failure(description: "path parameter \(name) has no value")
                }
                path += pathValue(value, parameter: parameter)
            }
        }
        var query: [String] = []
        var headers: [OutboundRequest.Header] = []
        var cookies: [String] = []
        for parameter in action.parameters {
            guard let value = input.parameters[parameter.name], value != .null else { continue }
            switch parameter.location {
            case .path:
                continue
            case .query:
                query += queryPairs(value, parameter: parameter)
            case .header:
                headers.append(.init(parameter.name, simple(value, explode: parameter.explode ?? false, encode: false)))
            case .cookie:
                cookies.append("\(parameter.name)=\(simple(value, explode: false, encode: true))")
            }
        }
        if !cookies.isEmpty { headers.append(.init("Cookie", cookies.joined(separator: "; "))) }
        var url = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        url += path
        if !query.isEmpty { url += (url.contains("?") ? "&" : "?") + query.joined(separator: "&") }
        var request = OutboundRequest(method: action.method.uppercased(), url: url, headers: headers)
        if let body = input.body, body != .null, let requestBody = action.requestBody {
            guard let mediaType = mediaType(for: requestBody) else { throw Failure(description: "the operation accepts no media type") }
            let (bytes, contentType) = try encodeBody(body, mediaType: mediaType, boundary: boundary())
            request.body = bytes
            request.headers.append(.init("Content-Type", contentType))
        }
        return request
    }

    /// The media type a body is sent as: JSON when the operation takes it, then form, then multipart, then the first one.
    public static func mediaType(for requestBody: ActionDefinition.RequestBody) -> String? {
        let types = requestBody.content.keys.sorted()
        return types.first(where: isJSON) ?? types.first(where: { $0.hasPrefix("application/x-www-form-urlencoded") })
            ?? types.first(where: { $0.hasPrefix("multipart/form-data") }) ?? types.first
    }

    static func isJSON(_ mediaType: String) -> Bool {
        let base = mediaType.split(separator: ";").first.map { $0.trimmingWhitespace().lowercased() } ?? ""
        return base == "application/json" || base.hasSuffix("+json") || base == "*/*"
    }

    static func encodeBody(_ body: JSONValue, mediaType: String, boundary: String) throws(Failure) -> ([UInt8], String) {
        if isJSON(mediaType) { return (JSONText.encode(body), mediaType == "*/*" ? "application/json" : mediaType) }
        if mediaType.hasPrefix("application/x-www-form-urlencoded") {
            guard case .object(let members) = body else { throw Failure(description: "a form body must be a JSON object") }
            let pairs = members.sorted { $0.key < $1.key }.map { key, value in
                formEncode(key) + "=" + formEncode(scalarText(value))
            }
            return (Array(pairs.joined(separator: "&").utf8), "application/x-www-form-urlencoded")
        }
        if mediaType.hasPrefix("multipart/form-data") {
            guard case .object(let members) = body else { throw Failure(description: "a multipart body must be a JSON object") }
            var bytes: [UInt8] = []
            for (key, value) in members.sorted(by: { $0.key < $1.key }) {
                let isStructured = if case .object = value { true } else if case .array = value { true } else { false }
                var part = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(quoted(key))\"\r\n"
                if isStructured { part += "Content-Type: application/json\r\n" }
                part += "\r\n" + scalarText(value) + "\r\n"
                bytes += Array(part.utf8)
            }
            bytes += Array("--\(boundary)--\r\n".utf8)
            return (bytes, "multipart/form-data; boundary=\(boundary)")
        }
        // Text and other types: a string is sent as written, anything else as JSON text.
        if case .string(let text) = body { return (Array(text.utf8), mediaType) }
        return (JSONText.encode(body), mediaType)
    }

    private static func quoted(_ name: String) -> String {
        name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\r", with: "")
            .replacingOccurrences(of: "\n", with: "")
    }

    static func percentEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    /// A path segment: percent-encoded, and `.` or `..` encoded too, so a value cannot climb the API's path.
    static func segmentEncode(_ text: String) -> String {
        text == "." || text == ".." ? String(repeating: "%2E", count: text.count) : percentEncode(text)
    }

    /// `application/x-www-form-urlencoded` as HTML and RFC 6749 Appendix B define it: a space is `+`.
    static func formEncode(_ text: String) -> String { percentEncode(text).replacingOccurrences(of: "%20", with: "+") }

    /// A scalar as text: strings verbatim, numbers and booleans as JSON writes them, structures as JSON.
    static func scalarText(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .null: ""
        default: String(decoding: JSONText.encode(value), as: UTF8.self)
        }
    }

    /// `style: simple` (and label/matrix) for a path segment.
    static func pathValue(_ value: JSONValue, parameter: ActionDefinition.Parameter) -> String {
        let explode = parameter.explode ?? false
        switch parameter.style ?? "simple" {
        case "label":
            return "." + simple(value, explode: explode, encode: true, separator: explode ? "." : ",")
        case "matrix":
            let name = percentEncode(parameter.name)
            switch value {
            case .array(let items) where explode:
                return items.map { ";\(name)=\(percentEncode(scalarText($0)))" }.joined()
            case .object(let members) where explode:
                return members.sorted { $0.key < $1.key }.map { ";\(percentEncode($0.key))=\(percentEncode(scalarText($0.value)))" }.joined()
            default:
                return ";\(name)=" + simple(value, explode: false, encode: true)
            }
        default:
            if case .string(let text) = value { return segmentEncode(text) }
            return simple(value, explode: explode, encode: true)
        }
    }

    static func simple(_ value: JSONValue, explode: Bool, encode: Bool, separator: String = ",") -> String {
        func text(_ raw: String) -> String { encode ? percentEncode(raw) : raw }
        switch value {
        case .array(let items):
            return items.map { text(scalarText($0)) }.joined(separator: separator)
        case .object(let members):
            let sorted = members.sorted { $0.key < $1.key }
            return explode
                ? sorted.map { text($0.key) + "=" + text(scalarText($0.value)) }.joined(separator: separator)
                : sorted.flatMap { [text($0.key), text(scalarText($0.value))] }.joined(separator: separator)
        default:
            return text(scalarText(value))
        }
    }

    /// `name=value` pairs for a query parameter by its style (form by default, explode true with form).
    static func queryPairs(_ value: JSONValue, parameter: ActionDefinition.Parameter) -> [String] {
        let style = parameter.style ?? "form"
        let explode = parameter.explode ?? (style == "form")
        let name = percentEncode(parameter.name)
        switch (value, style) {
        case (.array(let items), "spaceDelimited"):
            return ["\(name)=" + items.map { percentEncode(scalarText($0)) }.joined(separator: "%20")]
        case (.array(let items), "pipeDelimited"):
            return ["\(name)=" + items.map { percentEncode(scalarText($0)) }.joined(separator: "%7C")]
        case (.array(let items), _):
            return explode
                ? items.map { "\(name)=\(percentEncode(scalarText($0)))" }
                : ["\(name)=" + items.map { percentEncode(scalarText($0)) }.joined(separator: ",")]
        case (.object(let members), "deepObject"):
            return members.sorted { $0.key < $1.key }.map { "\(name)%5B\(percentEncode($0.key))%5D=\(percentEncode(scalarText($0.value)))" }
        case (.object(let members), _):
            let sorted = members.sorted { $0.key < $1.key }
            return explode
                ? sorted.map { "\(percentEncode($0.key))=\(percentEncode(scalarText($0.value)))" }
                : ["\(name)=" + sorted.flatMap { [percentEncode($0.key), percentEncode(scalarText($0.value))] }.joined(separator: ",")]
        default:
            return ["\(name)=\(percentEncode(scalarText(value)))"]
        }
    }
}
