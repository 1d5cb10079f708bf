import Foundation
import PatchbayTestSupport
import Testing

@testable import PatchbayOpenAPI

/// Large JSON documents are read in two halves side by side. Whatever the bytes, that must give exactly what
/// reading them whole gives: the same tree with the same positions, the same warnings, or the same error.
@Suite struct JSONHalvesTests {
    /// A pretty-printed Swagger document: `paths` holds `count` path items, then come `definitions`.
    static func document(
        paths count: Int, indent unit: String = "  ", newline: String = "\n", pathKey: (Int) -> String = { "/items/\($0)" },
        extraRoot: String = "", extraPathItem: (Int) -> String = { _ in "" }
    ) -> [UInt8] {
        func line(_ depth: Int, _ text: String) -> String { String(repeating: unit, count: depth) + text + newline }
        var text = "{" + newline + line(1, #""swagger": "2.0","#) + line(1, #""paths": {"#)
        for index in 0..<count {
            text += line(2, "\"\(pathKey(index))\": {")
            text += line(3, #""get": {"#)
            text += line(4, "\"operationId\": \"get\(index)\",")
            text += extraPathItem(index)
            text += line(4, #""parameters": ["#) + line(5, "{") + line(6, #""name": "id","#) + line(6, #""in": "path""#) + line(5, "}")
            text += line(4, "]") + line(3, "}") + line(2, index == count - 1 ? "}" : "},")
        }
        text += line(1, "},") + line(1, #""definitions": {"#) + line(2, #""Item": {"#) + line(3, #""type": "object""#) + line(2, "}")
        text += line(1, extraRoot.isEmpty ? "}" : "},") + extraRoot + "}" + newline
        return Array(text.utf8)
    }

    typealias Read = Result<(node: SourceNode, warnings: [SourceReadWarning]), SourceReadError>

    static func reads(_ bytes: [UInt8]) -> (whole: Read, halves: Read) {
        (
            Result { () throws(SourceReadError) in try JSONSourceReader.read(bytes, halvesFrom: .max) },
            Result { () throws(SourceReadError) in try JSONSourceReader.read(bytes, halvesFrom: 0) }
        )
    }

    /// Reading in halves agrees with reading whole; returns the whole reading.
    @discardableResult
    static func expectSame(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> Read {
        let (whole, halves) = reads(bytes)
        switch (whole, halves) {
        case (.success(let a), .success(let b)):
            #expect(a.node == b.node, "another tree", sourceLocation: sourceLocation)
            // Byte for byte: `String`'s `==` would equate pointers whose keys differ only in Unicode form.
            #expect(Self.bytes(of: a.warnings) == Self.bytes(of: b.warnings), sourceLocation: sourceLocation)
        case (.failure(let a), .failure(let b)):
            #expect(a == b, sourceLocation: sourceLocation)
        default:
            Issue.record("one reading failed and the other did not: \(whole) against \(halves)", sourceLocation: sourceLocation)
        }
        return whole
    }

    /// The warnings as bytes, in order of position.
    static func bytes(of warnings: [SourceReadWarning]) -> [[UInt8]] {
        warnings.map { Array("\($0.position.offset) \($0.position.line):\($0.position.column) \($0.pointer) \($0.message)".utf8) }.sorted {
            $0.lexicographicallyPrecedes($1)
        }
    }

    /// How the first half's reading ends at the guessed split, or nil when there is no guess.
    static func ending(_ bytes: [UInt8]) throws -> JSONSourceReader.Ending? {
        guard let split = JSONSourceReader.likelySplit(bytes) else { return nil }
        return try JSONSourceReader.readWhole(bytes, stoppingAt: split).ending
    }

    @Test(arguments: [("  ", "\n"), ("    ", "\n"), ("\t", "\r\n"), ("  ", "\r\n")])
    func anIndentedDocumentIsSplitAndReadsTheSame(indent: String, newline: String) throws {
        let bytes = Self.document(paths: 200, indent: indent, newline: newline)
        #expect(try Self.ending(bytes) == .stopped)
        let read = try Self.expectSame(bytes).get()
        #expect(read.node["paths"]?.members?.count == 200)
        #expect(read.node["definitions"]?["Item"]?["type"]?.position.line == 200 * 11 + 7)
    }

    @Test func duplicatesAcrossTheHalvesAreWarnedAboutAsWhenReadWhole() throws {
        // A root key, a path item, and a key inside a path item of the second half repeat ones seen earlier.
        let bytes = Self.document(
            paths: 200, pathKey: { $0 == 190 ? "/items/3" : "/items/\($0)" }, extraRoot: "  \"swagger\": \"3.0\"\n",
            extraPathItem: { $0 == 180 ? "        \"operationId\": \"again\",\n" : "" })
        #expect(try Self.ending(bytes) == .stopped)
        let read = try Self.expectSame(bytes).get()
        #expect(Set(read.warnings.map(\.pointer)) == ["/swagger", "/paths/~1items~13", "/paths/~1items~1180/get/operationId"])
        #expect(read.node["swagger"]?.string == "2.0")
    }

    @Test func whereTheOpenMemberIsADuplicateTheDocumentIsReadWhole() throws {
        // Every path item has one key: wherever the split falls inside one (but the first), the open path item is
        // a duplicate, whose members reading whole drops.
        var endings: [JSONSourceReader.Ending?] = []
        for padding in stride(from: 0, to: 400, by: 40) {
            // Padding at the end moves the middle through a path item.
            let bytes = Self.document(
                paths: 200, pathKey: { _ in "/same" }, extraRoot: "  \"x-pad\": \"\(String(repeating: "p", count: padding))\"\n")
            endings.append(try Self.ending(bytes))
            let read = try Self.expectSame(bytes).get()
            #expect(read.node["paths"]?.members?.count == 1 && read.warnings.count == 199)
        }
        #expect(endings.contains(.unjoinable) && endings.contains(.stopped), "\(endings)")
    }

    @Test func indentationThatMisleadsTheGuessIsCaughtByTheFirstHalf() throws {
        // Path items written at the root's indentation: the guess takes one for a root member, and the first
        // reader, finding it inside `paths`, reads on to the end instead of stopping.
        let misleading = String(decoding: Self.document(paths: 200), as: UTF8.self).replacingOccurrences(of: "\n    \"/items", with: "\n  \"/items")
        let bytes = Array(misleading.utf8)
        #expect(JSONSourceReader.likelySplit(bytes)?.path == [])
        #expect(try Self.ending(bytes) == .whole)
        Self.expectSame(bytes)
    }

    @Test func anOpenKeyThatDiffersOnlyInUnicodeFormIsNotTakenForTheGuessedOne() throws {
        // Misleading indentation makes the guess take "é" (precomposed) for the open object, whose key is "e" and
        // a combining accent: equal to Swift's `==`, yet their pointers differ. The halves must not be joined.
        let text =
            "{\n  \"e\u{301}\": {\n  \"\u{e9}\": {\"p\": \"" + String(repeating: "x", count: 50) + "\"},\n    \"y\": 1,\n    \"y\": 2\n  }\n}\n"
        let bytes = Array(text.utf8)
        #expect(JSONSourceReader.likelySplit(bytes)?.path == ["\u{e9}"])
        #expect(try Self.ending(bytes) == .whole)
        let read = try Self.expectSame(bytes).get()
        #expect(read.warnings.map { Array($0.pointer.utf8) } == [Array("/e\u{301}/y".utf8)])
    }

    @Test(arguments: [0.1, 0.7, 0.95])
    func anErrorInEitherHalfIsTheErrorOfReadingWhole(at fraction: Double) throws {
        var bytes = Self.document(paths: 200)
        let colon = try #require(bytes[Int(Double(bytes.count) * fraction)...].firstIndex(of: UInt8(ascii: ":")))
        bytes[colon] = UInt8(ascii: "=")
        guard case .failure(let error) = Self.expectSame(bytes) else {
            Issue.record("the broken document read")
            return
        }
        #expect(error.message.contains("expected ':'"))
        // Cut short: the second half cannot end.
        Self.expectSame(Array(Self.document(paths: 200).prefix(Int(Double(bytes.count) * fraction))))
    }

    @Test func aMinifiedDocumentIsNotSplit() throws {
        let whole = try JSONSourceReader.read(Self.document(paths: 50)).node
        let minified = Array(SourceNodeWriter.json(whole, pretty: false).utf8)
        #expect(JSONSourceReader.likelySplit(minified) == nil)
        Self.expectSame(minified)
    }

    @Test(.enabled(if: SpecCorpus.directory != nil, Comment(rawValue: SpecCorpus.missingReason)))
    func everyCorpusDocumentReadsTheSameAndTheLargeOnesAreSplit() async throws {
        try await exclusively {
            let directory = try #require(SpecCorpus.directory)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.hasSuffix(".json") {
                let bytes = Array(try Data(contentsOf: directory.appendingPathComponent(name)))
                Self.expectSame(bytes)
                if ["github-api.github.com.json", "kubernetes-swagger.json"].contains(name) {
                    #expect(try Self.ending(bytes) == .stopped, "\(name)")
                }
            }
        }
    }
}
