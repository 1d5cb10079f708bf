import Foundation
import Hummingbird
import NIOCore
import PatchbayCore
import PatchbayServices

/// A request body type whose top-level keys are known, so unknown ones are refused instead of ignored
/// (a typo such as `expiresin` must not silently create a token that never expires).
protocol RequestBody: Decodable {
    static var fields: Set<String> { get }
}

extension Request {
    /// Reads and decodes a JSON body: 415 for another content type, 413 past the size limit, 400 for
    /// malformed JSON, 422 with a pointer for wrong types, missing or unknown fields.
    func decode<Body: RequestBody>(_ type: Body.Type, context: PatchbayRequestContext) async throws -> Body {
        guard let body = try await decodeIfPresent(type, context: context) else {
            throw PatchbayError(.malformed, "The request body is empty; send a JSON object.")
        }
        return body
    }

    /// As `decode`, but an empty body (whatever the headers say) is nil rather than an error.
    func decodeIfPresent<Body: RequestBody>(_ type: Body.Type, context: PatchbayRequestContext) async throws -> Body? {
        let buffer = try await collectBody(context: context)
        if buffer.readableBytes == 0 { return nil }
        let contentType = headers[.contentType]?.lowercased() ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json")) else {
            throw PatchbayError(
                .unsupportedMediaType,
                contentType.isEmpty ? "Send the body as application/json." : "Expected application/json, got \(contentType.prefix(100))."
            )
        }
        return try JSONBody.decode(Body.self, from: Data(buffer: buffer))
    }

    /// The whole body, or 413 when it is (or says it is) over the limit.
    func collectBody(context: PatchbayRequestContext) async throws -> ByteBuffer {
        let limit = context.maxBodyBytes
        if let declared = headers[.contentLength].flatMap(Int.init), declared > limit {
            throw PatchbayError(.tooLarge, "The body is \(declared) bytes; the limit is \(limit).")
        }
        do {
            return try await body.collect(upTo: limit)
        } catch {
            throw PatchbayError(.tooLarge, "The body exceeds the limit of \(limit) bytes.")
        }
    }
}

/// Turns JSON parsing and decoding failures into precise problems.
enum JSONBody {
    static func decode<Body: RequestBody>(_ type: Body.Type, from data: Data) throws -> Body {
        guard !data.isEmpty else { throw PatchbayError(.malformed, "The request body is empty; send a JSON object.") }
        // One pass of the decoder reads the keys, refuses unknown ones, then decodes the body (JSONSerialization's
        // dictionary of Foundation objects, and a second parse, cost a hot endpoint tens of microseconds). A body
        // that does not parse as an object is looked at through JSONSerialization, for its precise message.
        do {
            return try JSONDecoder().decode(Checked<Body>.self, from: data).body
        } catch let error as DecodingError {
            let members = try members(of: data)
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty, let field = numberCulprit(Body.self, in: members) {
                throw PatchbayError.invalid(pointer([field]), "must be a whole number within range (1.5, 1e300 and 2^63 are not)")
            }
            throw problem(for: error)
        }
    }

    /// A body whose keys are checked against its fields before it is decoded, in the same pass.
    private struct Checked<Body: RequestBody>: Decodable {
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        let body: Body

        init(from decoder: any Decoder) throws {
            let keys = try decoder.container(keyedBy: Key.self).allKeys.map(\.stringValue)
            let unknown = Set(keys).subtracting(Body.fields).sorted()
            if !unknown.isEmpty {
                throw PatchbayError.validation(unknown.map { FieldError(pointer: JSONBody.pointer([$0]), "is not a known field") })
            }
            body = try Body(from: decoder)
        }
    }

    /// The body's members through JSONSerialization, whose errors say where the JSON breaks.
    private static func members(of data: Data) throws -> [String: Any] {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw PatchbayError(.malformed, "The body is not valid JSON\(location(of: error)).")
        }
        guard let members = object as? [String: Any] else {
            throw PatchbayError.invalid("", "must be a JSON object")
        }
        return members
    }

    /// Foundation reports a number that does not fit its integer field (1e300, 1.5, 2^63) without a coding path.
    /// Removing the culprit is the one change that makes the failure go away or become "is required": try each field.
    private static func numberCulprit<Body: RequestBody>(_ type: Body.Type, in members: [String: Any]) -> String? {
        for key in members.keys.sorted().prefix(64) where members[key] is NSNumber || members[key] is [String: Any] || members[key] is [Any] {
            var rest = members
            rest.removeValue(forKey: key)
            guard let data = try? JSONSerialization.data(withJSONObject: rest) else { continue }
            do {
                _ = try JSONDecoder().decode(Body.self, from: data)
                return key
            } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
                continue
            } catch {
                return key
            }
        }
        return nil
    }

    private static func location(of error: any Error) -> String {
        let text = "\((error as NSError).userInfo[NSDebugDescriptionErrorKey] ?? "")"
        return text.isEmpty ? "" : ": \(text.prefix(200))"
    }

    static func pointer(_ path: [String]) -> String { DecodingProblems.pointer(path) }

    static func problem(for error: DecodingError) -> PatchbayError { DecodingProblems.problem(for: error) }
}
