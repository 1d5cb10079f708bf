import Foundation
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
            // Cut off right after the key.
            ##"{"$ref""##,
        ]
        for text in cases { #expect(may(text), "\(text)") }
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
}
