import Foundation
import Testing

@testable import PatchbayCore

/// Stored lists of ids are read without a decoder when they are plain; anything else is decoded in full, so the
/// result is always `JSONDecoder`'s.
@Suite struct JSONTextStringsTests {
    static func decoded(_ text: String) -> [String]? {
        try? JSONDecoder().decode([String].self, from: Data(text.utf8))
    }

    @Test(arguments: [
        #"[]"#, #"["a"]"#, #"["evt_01","evt_02","evt_03"]"#, #"[""]"#, #"["",""]"#, #"["é","😀","e\#u{301}"]"#, #"["a b/c"]"#,
    ])
    func plainArraysAreReadWithoutTheDecoder(_ text: String) throws {
        let plain = try #require(JSONText.plainStringArray(text))
        #expect(plain == Self.decoded(text))
        #expect(try JSONText.strings(text) == plain)
    }

    @Test(arguments: [
        #"[ "a" ]"#, #"["a", "b"]"#, #"["a\"b"]"#, #"["a\\b"]"#, #"["\u00e9"]"#, "[\"a\tb\"]", #"["a",]"#, #"["a""b"]"#, #"[1]"#,
        #"["a",1]"#, #""a""#, "[", "]", "", #"[""#, #"["a"#, #"{"a":"b"}"#, "null", #"["a"] "#,
    ])
    func anythingElseIsLeftToTheDecoder(_ text: String) {
        #expect(JSONText.plainStringArray(text) == nil)
        #expect((try? JSONText.strings(text)) == Self.decoded(text))
    }

    @Test func whatTheEncoderWritesForIdsIsPlain() throws {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<500 {
            let ids = (0..<Int.random(in: 0..<20, using: &generator)).map { _ in
                Identifier.make(.event, nowMillis: Int64.random(in: 0..<4_000_000_000_000, using: &generator))
            }
            let text = String(decoding: try JSONEncoder().encode(ids), as: UTF8.self)
            #expect(JSONText.plainStringArray(text) == ids)
        }
    }
}
