import Foundation
import PatchbayTestSupport
import Testing

@testable import PatchbayOpenAPI

@Suite struct YAMLSourceReaderTests {
    static func read(_ text: String) throws(SourceReadError) -> SourceDocument {
        try SourceDocumentReader.read(Array(text.utf8))
    }

    static func failure(_ text: String) -> SourceReadError? {
        readFailure { () throws(SourceReadError) in _ = try read(text) }
    }

    @Test func valuesCarryTheirLineAndColumnAndResolveByTheCoreSchema() throws {
        let document = try Self.read(
            """
            openapi: 3.0.3
            info:
              title: "Pets"
              version: 1.0
            paths:
              /pets:
                get:
                  responses:
                    200:
                      description: ok
            x-values: [true, null, ~, 012, +1, .5, 1e3, 0x1F, 0o17, .inf, on, 2023-01-01, '42', !!str 7]
            """
        )
        #expect(document.format == .yaml)
        let root = document.root
        #expect(root["openapi"]?.value == .number("3.0.3") || root["openapi"]?.string == "3.0.3")
        #expect(root.node(at: "/info/title")?.string == "Pets")
        let title = try #require(root.node(at: "/info/title"))
        #expect(title.position.line == 3 && title.position.column == 10)
        // YAML 1.1 integer keys are the text they were written as.
        let response = try #require(root.node(at: "/paths/~1pets/get/responses/200/description"))
        #expect(response.string == "ok" && response.position.line == 10)
        let values = try #require(root["x-values"]?.items)
        #expect(
            values.map(\.value) == [
                .bool(true), .null, .null, .number("12"), .number("1"), .number("0.5"), .number("1e3"), .number("31"), .number("15"),
                .string(".inf"), .string("on"), .string("2023-01-01"), .string("42"), .string("7"),
            ])
    }

    @Test func jsonIsRecognisedByContentAndFlowYAMLStillReads() throws {
        #expect(try Self.read("  {\"a\": 1}").format == .json)
        let flow = try Self.read("{a: 1, b: [x, y]}")
        #expect(flow.format == .yaml && flow.root.node(at: "/b/1")?.string == "y")
        let error = try #require(Self.failure("{\"a\": 1,,}"))
        #expect(error.position.line == 1 && error.position.column == 9, "JSON's own message when neither reads: \(error)")
    }

    @Test func duplicateKeysWarnAndTheFirstWins() throws {
        let document = try Self.read(
            """
            paths:
              /a:
                get: {}
              /a:
                put: {}
            """
        )
        #expect(document.root.node(at: "/paths/~1a/get") != nil && document.root.node(at: "/paths/~1a/put") == nil)
        #expect(document.warnings.count == 1)
        #expect(document.warnings.first?.pointer == "/paths/~1a" && document.warnings.first?.position.line == 4)
    }

    /// Objects of 16 keys or more track keys in a set; duplicates are found there too, in both formats.
    @Test func duplicateKeysInLargeObjectsAreFoundInBothFormats() throws {
        let keys = (0..<20).map { "k\($0)" } + ["k3"]
        let yaml = try Self.read("big:\n" + keys.map { "  \($0): 1\n" }.joined())
        #expect(yaml.warnings.map(\.pointer) == ["/big/k3"] && yaml.root["big"]?.members?.count == 20)
        let json = try Self.read("{\"big\": {" + keys.map { "\"\($0)\": 1" }.joined(separator: ", ") + "}}")
        #expect(json.format == .json && json.warnings.map(\.pointer) == ["/big/k3"] && json.root["big"]?.members?.count == 20)
    }

    @Test func anchorsAliasesAndMergeKeys() throws {
        let document = try Self.read(
            """
            base: &base
              type: string
              maxLength: 10
            copy: *base
            merged:
              <<: *base
              maxLength: 5
            """
        )
        #expect(document.root.node(at: "/copy/type")?.string == "string")
        #expect(document.root.node(at: "/copy")?.position.line == 4, "an alias is placed where it is used")
        #expect(document.root.node(at: "/merged/maxLength")?.value == .number("5"), "own keys win over merged ones")
        #expect(document.root.node(at: "/merged/type")?.string == "string")
        #expect(document.root.node(at: "/merged/<<") == nil)
    }

    @Test func aYAMLBombIsRefusedQuicklyAndBounded() throws {
        var text = "a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n"
        let names = "bcdefghijklmnop".map(String.init)
        var previous = "a"
        for name in names {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
            previous = name
        }
        let started = ContinuousClock.now
        let error = try #require(Self.failure(text))
        #expect(error.message.contains("alias bomb"), "\(error)")
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    @Test func nestingIsBoundedForBlockFlowAndAliases() throws {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        let error = try #require(Self.failure("a: " + deep))
        #expect(error.message.contains("nesting deeper than 256"))
        // Each alias adds a level to what it refers to: the height is tracked, not just the parser's depth.
        var chain = "l0: &l0 [x]\n"
        for level in 1...300 { chain += "l\(level): &l\(level) [*l\(level - 1)]\n" }
        let aliasError = try #require(Self.failure(chain))
        #expect(aliasError.message.contains("deeper than 256"), "\(aliasError)")
        // An empty collection is a level too: an alias to one at the deepest level is refused like any other.
        let empty = "e: &e []\nx: " + String(repeating: "[", count: 255) + "*e" + String(repeating: "]", count: 255)
        #expect(try #require(Self.failure(empty)).message.contains("deeper than 256"))
        let fits = "e: &e []\nx: " + String(repeating: "[", count: 254) + "*e" + String(repeating: "]", count: 254)
        #expect(Self.failure(fits) == nil)
        // A hundred levels are fine.
        let hundred = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(Self.failure("a: " + hundred) == nil)
    }

    @Test func malformedDocumentsFailWithTheirLine() throws {
        let cases: [(String, Int)] = [
            ("a: 1\nb: [1, 2\n", 3),
            ("a:\n  - b\n c: d\n", 3),
            ("a: \"unterminated\n", 2),
            ("a: 1\n---\nb: 2\n", 2),
            ("a: *missing\n", 1),
            ("", 1),
            ("a: b\n\tc: d\n", 2),
        ]
        for (text, line) in cases {
            let error = try #require(Self.failure(text), "\(text.debugDescription) should not read")
            #expect(error.position.line == line, "\(text.debugDescription): \(error)")
        }
        let binary: [UInt8] = [0x6F, 0x70, 0x3A, 0x20, 0xFF, 0xFE, 0x00, 0x01, 0x80, 0x81]
        #expect(throws: SourceReadError.self) { try SourceDocumentReader.read(binary) }
        #expect(throws: SourceReadError.self) { try SourceDocumentReader.read(Array("{\"openapi\": \"3.0.0\", \"info\": {".utf8)) }
    }

    @Test func oversizedDocumentsAreRefusedBeforeParsing() {
        let bytes = [UInt8](repeating: UInt8(ascii: " "), count: SourceDocumentReader.maximumBytes + 1)
        #expect(throws: SourceReadError.self) { try SourceDocumentReader.read(bytes) }
    }

    @Test func aHundredThousandEntryEnumReads() throws {
        let text = "enum: [" + (0..<100_000).map(String.init).joined(separator: ", ") + "]\n"
        let document = try Self.read(text)
        #expect(document.root["enum"]?.items?.count == 100_000)
    }

    @Test(.enabled(if: SpecCorpus.directory != nil, Comment(rawValue: SpecCorpus.missingReason)))
    func everyYAMLDocumentOfTheCorpusReads() async throws {
        try await exclusively {
            let directory = try #require(SpecCorpus.directory)
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            #expect(names.count >= 10)
            for name in names {
                let bytes = Array(try Data(contentsOf: directory.appendingPathComponent(name)))
                let document = try SourceDocumentReader.read(bytes)
                #expect(document.format == .yaml)
                #expect(document.root["paths"] != nil || document.root["webhooks"] != nil, "\(name)")
            }
        }
    }
}
