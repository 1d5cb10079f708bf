import Foundation
import Testing

@testable import PatchbayCore

@Suite struct EventEnvelopeTests {
    static let hostile: String = {
        var text = "quote \" backslash \\ slash / "
        for code in 0..<0x20 { text.unicodeScalars.append(Unicode.Scalar(UInt8(code))) }
        return text + " é 😀 \u{2028} \u{7F}"
    }()

    static func encoded(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    @Test func splicedEnvelopeIsByteForByteTheEncodedEvent() throws {
        let data: JSONValue = [
            "text": .string(Self.hostile), "n": 12, "x": 1.5, "big": 1e20, "list": [nil, true, "a/b"], "nested": ["z": 1, "a": [:]],
        ]
        let event = Event(
            id: "evt_01", type: "thread.created", organizationId: "org_\(Self.hostile)", organizationPath: OrganizationPath(rawValue: "/org_1"),
            actor: Actor(type: .integration, id: "int_1", userId: "usr_1", tokenId: nil), data: data, createdAt: 1_733_000_000_123)
        let spliced = EventEnvelope.assemble(
            id: event.id, type: event.type, createdAt: event.createdAt, organizationId: event.organizationId,
            actorJSON: String(decoding: try Self.encoded(event.actor), as: UTF8.self),
            dataJSON: String(decoding: try Self.encoded(event.data), as: UTF8.self))
        #expect(spliced.json == (try Self.encoded(event)))
        #expect(spliced == (try event.envelope()))
        #expect(spliced.eventId == "evt_01")
    }

    @Test func handWrittenHeadersAndListsMatchTheEncoder() throws {
        let headers = ["content-type": "application/json", "x-\(Self.hostile)": Self.hostile, "b": "", "a": "1"]
        #expect(Array(JSONText.object(headers).utf8) == (try Self.encoded(headers)))
        #expect(Array(JSONText.object([:]).utf8) == (try Self.encoded([String: String]())))
        #expect(Array(JSONText.array(["current", "previous", Self.hostile]).utf8) == (try Self.encoded(["current", "previous", Self.hostile])))
        #expect(JSONText.array([]) == "[]")
        // Keys in an order where comparing Strings (by normalized scalars: "á" after "b") and comparing UTF-8 bytes
        // ("a" then a combining accent, before "b") disagree: the encoder's order is the bytes'.
        let unnormalized = ["a\u{301}": "1", "b": "2", "\u{E1}x": "3"]
        #expect(Array(JSONText.object(unnormalized).utf8) == (try Self.encoded(unnormalized)))
    }
}
