import Foundation

/// A `multipart/form-data` body (RFC 7578) as browsers send a form with a file: each part's name, file name and
/// bytes. Bounded: at most `maxParts` parts with `maxHeaderBytes` of headers each; anything malformed is a 400
/// that says what was wrong, never a crash.
public struct MultipartForm: Sendable {
    public struct Part: Sendable {
        public var name: String
        public var filename: String?
        public var body: ArraySlice<UInt8>
    }

    public static let maxParts = 20
    public static let maxHeaderBytes = 8 * 1024
    public private(set) var parts: [Part] = []

    /// The boundary of a `multipart/form-data` content type, if it is one.
    public static func boundary(of contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let type = pieces.first, type.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            // RFC 2046: 1 to 70 characters.
            guard (1...70).contains(value.utf8.count), !value.utf8.contains(where: { $0 < 0x20 || $0 > 0x7E }) else { return nil }
            return value
        }
        return nil
    }

    public init(_ body: [UInt8], boundary: String) throws {
        let delimiter = Array("--\(boundary)".utf8)
        let separator = [UInt8(ascii: "\r"), UInt8(ascii: "\n")] + delimiter
        guard var position = Self.find(delimiter, in: body, from: 0) else { throw Self.malformed("no part starts with the boundary") }
        position += delimiter.count
        while true {
            // After a delimiter: "--" closes the body, CRLF starts a part.
            if body.count >= position + 2, body[position] == UInt8(ascii: "-"), body[position + 1] == UInt8(ascii: "-") { return }
            // Transport padding (spaces or tabs) may follow a delimiter.
            while position < body.count, body[position] == UInt8(ascii: " ") || body[position] == UInt8(ascii: "\t") { position += 1 }
            guard body.count >= position + 2, body[position] == UInt8(ascii: "\r"), body[position + 1] == UInt8(ascii: "\n") else {
                throw Self.malformed("a boundary is not followed by a line break")
            }
            position += 2
            guard parts.count < Self.maxParts else { throw Self.malformed("more than \(Self.maxParts) parts") }
            let headerLimit = min(body.count, position + Self.maxHeaderBytes)
            guard let headerEnd = Self.find(Array("\r\n\r\n".utf8), in: body, from: position, to: headerLimit) else {
                throw Self.malformed("a part's headers do not end (or exceed \(Self.maxHeaderBytes) bytes)")
            }
            let headers = String(decoding: body[position..<headerEnd], as: UTF8.self)
            let bodyStart = headerEnd + 4
            guard let end = Self.find(separator, in: body, from: bodyStart) else {
                throw Self.malformed("a part does not end with the boundary")
            }
            let partEnd = end
            guard let (name, filename) = Self.disposition(headers) else {
                throw Self.malformed("a part has no Content-Disposition: form-data with a name")
            }
            parts.append(Part(name: name, filename: filename, body: body[bodyStart..<partEnd]))
            position = end + separator.count
        }
    }

    public func first(_ name: String) -> Part? { parts.first { $0.name == name } }

    /// A text field's value (UTF-8; a file part's name is not a field).
    public subscript(_ name: String) -> String? {
        first(name).flatMap { $0.filename == nil ? String(decoding: $0.body, as: UTF8.self) : nil }
    }

    private static func malformed(_ detail: String) -> PatchbayError {
        PatchbayError(.malformed, "The upload is not a well-formed multipart form: \(detail).")
    }

    /// `name` and `filename` of a `Content-Disposition: form-data` header among `headers`.
    static func disposition(_ headers: String) -> (String, String?)? {
        for line in headers.split(separator: "\r\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == "content-disposition" else { continue }
            let value = line[line.index(after: colon)...]
            var parameters: [String: String] = [:]
            var kind = ""
            var rest = Substring(value)
            func skipSpaces() { while let first = rest.first, first == " " || first == "\t" { rest.removeFirst() } }
            skipSpaces()
            while let first = rest.first, first != ";" { kind.append(first); rest.removeFirst() }
            while rest.first == ";" {
                rest.removeFirst()
                skipSpaces()
                var key = ""
                while let first = rest.first, first != "=", first != ";" { key.append(first); rest.removeFirst() }
                guard rest.first == "=" else { continue }
                rest.removeFirst()
                var parameter = ""
                if rest.first == "\"" {
                    rest.removeFirst()
                    while let first = rest.first, first != "\"" {
                        rest.removeFirst()
                        if first == "\\", let escaped = rest.first { parameter.append(escaped); rest.removeFirst() } else { parameter.append(first) }
                    }
                    if rest.first == "\"" { rest.removeFirst() }
                } else {
                    while let first = rest.first, first != ";" { parameter.append(first); rest.removeFirst() }
                    parameter = parameter.trimmingCharacters(in: .whitespaces)
                }
                parameters[key.trimmingCharacters(in: .whitespaces).lowercased()] = parameter
                skipSpaces()
            }
            guard kind.trimmingCharacters(in: .whitespaces).lowercased() == "form-data", let name = parameters["name"] else { return nil }
            return (name, parameters["filename"])
        }
        return nil
    }

    /// The first index in `start..<end` (end defaults to the whole array) where `needle` starts and fits.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int, to end: Int? = nil) -> Int? {
        let end = min(end ?? haystack.count, haystack.count)
        guard let first = needle.first, start >= 0, end - start >= needle.count else { return nil }
        return haystack.withUnsafeBufferPointer { bytes -> Int? in
            var index = start
            let last = end - needle.count
            while index <= last {
                if bytes[index] == first {
                    var offset = 1
                    while offset < needle.count, bytes[index + offset] == needle[offset] { offset += 1 }
                    if offset == needle.count { return index }
                }
                index += 1
            }
            return nil
        }
    }
}
