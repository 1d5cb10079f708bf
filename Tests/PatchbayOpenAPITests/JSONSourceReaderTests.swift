import Foundation
import PatchbayCore
import PatchbayTestSupport
import Testing

@testable import PatchbayOpenAPI

@Suite struct JSONSourceReaderTests {
    static func read(_ text: String) throws(SourceReadError) -> (node: SourceNode, warnings: [SourceReadWarning]) {
        try JSONSourceReader.read(Array(text.utf8))
    }

    static func failure(_ text: String) -> SourceReadError? {
        readFailure { () throws(SourceReadError) in _ = try read(text) }
    }

    @Test func valuesCarryTheirLineAndColumn() throws {
        let text = """
            {
              "openapi": "3.0.3",
              "paths": {
                "/pets": { "get": { "operationId": "listPets" } }
              },
              "tags": [1, 2.50, -3e2, true, null]
            }
            """
        let (root, warnings) = try Self.read(text)
        #expect(warnings.isEmpty)
        #expect(root.position == SourcePosition(line: 1, column: 1, offset: 0))
        #expect(root["openapi"]?.string == "3.0.3" && root["openapi"]?.position.line == 2 && root["openapi"]?.position.column == 14)
        let operation = try #require(root.node(at: "/paths/~1pets/get/operationId"))
        #expect(operation.string == "listPets" && operation.position.line == 4 && operation.position.column == 40)
        guard case .object(let members) = root.value else { throw SourceReadError("not an object", at: root.position) }
        #expect(members.map(\.key) == ["openapi", "paths", "tags"], "document order is kept")
        #expect(members[2].keyPosition.line == 6 && members[2].keyPosition.column == 3)
        #expect(root.node(at: "/tags/1")?.value == .number("2.50"), "numbers keep their spelling")
        #expect(root.node(at: "/tags/4")?.value == .null && root.node(at: "/tags/5") == nil && root.node(at: "/tags/x") == nil)
    }

    @Test func stringsDecodeEveryEscape() throws {
        let (node, _) = try Self.read(#"["a\"b\\c\/d\b\f\n\r\t", "\u00e9\u4e2d", "\ud83d\ude80", "\ud800x", "Zoë 🚀"]"#)
        #expect(node[0]?.string == "a\"b\\c/d\u{8}\u{C}\n\r\t")
        #expect(node[1]?.string == "é中")
        #expect(node[2]?.string == "🚀", "a surrogate pair is one scalar")
        #expect(node[3]?.string == "\u{FFFD}x", "a lone surrogate becomes U+FFFD, not an error")
        #expect(node[4]?.string == "Zoë 🚀")
        #expect(try JSONSourceReader.read([0xEF, 0xBB, 0xBF] + Array("{}".utf8)).node.value == .object([]), "a BOM is skipped")
    }

    @Test(arguments: [
        ("{\"a\": 1,}", "1:9", "expected a quoted key"),
        ("{\"a\" 1}", "1:6", "expected ':'"),
        ("[1, 2", "1:6", "ends inside an array"),
        ("{\n  \"a\": \"a raw line\nbreak\"}", "2:19", "control character (byte 0xA)"),
        ("[\"never closed", "1:2", "never closed"),
        ("[01]", "1:2", "must not start with 0"),
        ("[1.]", "1:2", "digits after '.'"),
        ("[-]", "1:2", "needs digits"),
        ("[tru]", "1:2", "unexpected 't'"),
        ("{} {}", "1:4", "after the document"),
        ("[\"a\tb\"]", "1:4", "control character"),
        ("[\"\\x\"]", "1:3", "unknown escape"),
        ("[\"\\u12\"]", "1:5", "four hex digits"),
        ("", "1:1", "ends where a value was expected"),
        ("\u{7F}ELF", "1:1", "byte 0x7F"),
    ])
    func malformedInputIsReportedWithItsPosition(text: String, position: String, message: String) {
        let failure = Self.failure(text)
        #expect(failure?.position.description == position, "\(failure?.description ?? "no error")")
        #expect(failure?.message.contains(message) == true, "\(failure?.description ?? "no error")")
    }

    @Test func duplicateKeysAreWarningsAndTheFirstWins() throws {
        let (node, warnings) = try Self.read("{\"paths\": {\"/a\": 1, \"/a\": 2}}")
        #expect(node.node(at: "/paths/~1a")?.value == .number("1"))
        #expect(warnings.map(\.pointer) == ["/paths/~1a"] && warnings.first?.position.description == "1:21")
    }

    @Test func deepNestingIsReadUpToTheLimitAndRefusedBeyondIt() throws {
        let hundred = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(try Self.read(hundred).node.position.line == 1)
        let tooDeep = String(repeating: "{\"a\":", count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        #expect(Self.failure(tooDeep)?.message.contains("nesting deeper than 256") == true)
    }

    @Test func garbageNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0..<300, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            _ = try? JSONSourceReader.read(bytes)
            // Truncations of a valid document fail cleanly too.
            let valid = Array(#"{"a": [1, "two", {"three": null}], "b": "\u00e9"}"#.utf8)
            _ = try? JSONSourceReader.read(Array(valid.prefix(Int.random(in: 0..<valid.count, using: &generator))))
        }
    }

    @Test func pointerTokensEscapeAndUnescape() {
        #expect(JSONPointer.escape("/pets/{id}~x") == "~1pets~1{id}~0x")
        #expect(JSONPointer.unescape("~1pets~1{id}~0x") == "/pets/{id}~x")
        #expect(JSONPointer.unescape("~01") == "~1", "left to right")
    }

    /// Every JSON document of the shared corpus reads, and agrees value for value with Foundation's parser.
    @Test(.enabled(if: SpecCorpus.directory != nil, Comment(rawValue: SpecCorpus.missingReason)))
    func theRealCorpusReadsAndAgreesWithFoundation() async throws {
        try await exclusively {
            let directory = try #require(SpecCorpus.directory)
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            let files = names.filter { $0.hasSuffix(".json") }.sorted()
            #expect(files.count >= 10)
            for name in files {
                let data = try Data(contentsOf: directory.appendingPathComponent(name))
                let (node, warnings) = try JSONSourceReader.read(Array(data))
                let foundation = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
                #expect(warnings.isEmpty, "\(name): \(warnings.prefix(3))")
                #expect(Self.agrees(node, foundation), "\(name) reads differently from JSONSerialization")
            }
        }
    }

    static func agrees(_ node: SourceNode, _ value: Any) -> Bool {
        switch node.value {
        case .null: return value is NSNull
        case .bool(let flag): return (value as? NSNumber).map { $0.boolValue == flag } ?? false
        case .number(let text):
            guard let number = value as? NSNumber, let parsed = Double(text) else { return false }
            return number.doubleValue == parsed || abs(number.doubleValue - parsed) <= abs(parsed) * 1e-12
        case .string(let text): return (value as? String) == text
        case .array(let items):
            guard let array = value as? [Any], array.count == items.count else { return false }
            return zip(items, array).allSatisfy { agrees($0, $1) }
        case .object(let members):
            guard let dictionary = value as? [String: Any], dictionary.count == members.count else { return false }
            return members.allSatisfy { member in dictionary[member.key].map { agrees(member.value, $0) } ?? false }
        }
    }
}
