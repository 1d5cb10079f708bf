import Foundation
import PatchbayTestSupport
import Testing

@testable import PatchbayOpenAPI

/// The look at a file's bytes that spares one-file documents the bundler's walk: it may say "may refer to other
/// files" when none do, never the reverse.
@Suite struct BundlerPrescanTests {
    private func may(_ text: String) -> Bool { ExternalReferenceBundler.mayReferToOtherFiles(Array(text.utf8)) }

    @Test func localReferencesOnlyAreSeenAsSuch() {
        #expect(!may(##"{"a":{"$ref":"#/components/schemas/Pet"},"b":{"$ref" : "#/x"},"d":"caf\u00e9 \"q\" \\ $refund"}"##))
        #expect(!may("a:\n  $ref: '#/components/schemas/Pet'\nb:\n  \"$ref\": \"#/x\"\n"))
        #expect(!may("no references at all"))
        // A schema property named "$ref" (an object or a list is no reference), and YAML's folded "#…" on the next line.
        #expect(!may(##"{"properties":{"$ref":{"type":"string"},"b":{"$ref" : ["x"]}},"c":{"$ref":"https://example.com/s.json"}}"##))
        #expect(!may("a:\n  $ref: >-\n    #/components/schemas/\n    Pet\n  b:\n    $ref: |\n      #/x\n"))
    }

    @Test func anythingThatMayNameAnotherFileCounts() {
        let cases = [
            ##"{"$ref":"other.json"}"##,
            ##"{"$ref":"./schemas/pet.json#/Pet"}"##,
            "a:\n  $ref: other.yaml\n",
            "a:\n  $ref: other.yaml#/Pet\n",
            // An unquoted "#" in YAML is a comment; the value follows on the next line.
            "a:\n  $ref: # see below\n    other.yaml\n",
            // Escapes that spell "$ref" or "#" where the bytes do not show them.
            ##"{"\u0024ref":"other.json"}"##,
            ##"{"$\u0072ef":"other.json"}"##,
            ##"{"$ref":"\u0023/x"}"##,
            "a:\n  \"\\x24ref\": other.yaml\n",
            "a:\n  \"\\U00000024ref\": other.yaml\n",
            // A double-quoted YAML key continued on the next line.
            "a:\n  \"$re\\\n  f\": other.yaml\n",
            // Aliases, tags, block scalars: not a quoted "#…".
            "a:\n  $ref: *shared\n",
            "a:\n  $ref: !!str other.yaml\n",
            // A quoted value that only looks like an object, block scalars that name a file or carry a comment.
            ##"{"$ref":"{x}.json"}"##,
            ##"{"$ref":"httpish.json"}"##,
            "a:\n  $ref: |\n    other.yaml\n",
            "a:\n  $ref: >- # see\n    #/x\n",
            // Cut off right after the key.
            ##"{"$ref""##,
        ]
        for text in cases { #expect(may(text), "\(text)") }
    }

    @Test func whatCountsIsSeenAtEveryPlaceInAWordOfEightBytes() {
        // The look skips eight bytes at a time past words with neither a backslash nor a dollar sign: at every
        // offset, and at the very end, a reference or an escape is still seen.
        for padding in 0..<17 {
            let lead = String(repeating: " ", count: padding)
            #expect(may(lead + ##"{"$ref":"other.json"}"##), "\(padding)")
            #expect(may(lead + ##"{"\u0024ref":"other.json"}"##), "\(padding)")
            #expect(may(lead + "a:\n  $ref: other.yaml"), "\(padding)")
            #expect(!may(lead + ##"{"$ref":"#/x"}"##), "\(padding)")
        }
    }

    @Test func aReferenceToAnotherFileBehindAnEscapedKeyIsStillInlined() throws {
        let files = [
            "main.json":
                ##"{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{"Pet":{"\u0024ref":"pet.json"}}}}"##,
            "pet.json": ##"{"type":"object","properties":{"name":{"type":"string"}}}"##,
        ]
        let (_, document, problems) = try OpenAPIImporter.readFile("main.json") { path in
            guard let text = files[path] else { throw CocoaError(.fileNoSuchFile) }
            return Array(text.utf8)
        }
        #expect(document.root.node(at: "/components/schemas/Pet/properties/name/type")?.string == "string", "\(problems)")
    }

    @Test(.enabled(if: SpecCorpus.directory != nil, Comment(rawValue: SpecCorpus.missingReason)))
    func overTheCorpusANoIsNeverWrongAndTheLargeDocumentsGetIt() async throws {
        // Seconds of CPU: alone with respect to the timing tests.
        let judgedLocal = try await exclusively { try Self.filesJudgedLocalReadingNoOtherFile() }
        // The documents the fast path is for.
        #expect(judgedLocal.isSuperset(of: ["github-api.github.com.json", "kubernetes-swagger.json", "stripe-spec3-2023.yaml"]), "\(judgedLocal)")
    }

    /// Imports every corpus document, expecting no file read after a "no"; returns the files judged local.
    private static func filesJudgedLocalReadingNoOtherFile() throws -> Set<String> {
        let directory = try #require(SpecCorpus.directory)
        var judgedLocal: Set<String> = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path)
        where [".json", ".yaml", ".yml"].contains(where: name.hasSuffix) {
            let bytes = Array(try Data(contentsOf: directory.appendingPathComponent(name)))
            var reads = 0
            _ = try? OpenAPIImporter.readFile(name) { _ in
                reads += 1
                return bytes
            }
            if !ExternalReferenceBundler.mayReferToOtherFiles(bytes) {
                judgedLocal.insert(name)
                #expect(reads == 1, "\(name): judged to refer to no other file, yet the bundler read \(reads - 1)")
            }
        }
        return judgedLocal
    }
}
