import Crypto
import Foundation
import PatchbayCore
import PatchbayDelivery
import PatchbayTestSupport
import Testing

/// The README's "Verifying Patchbay's signature" examples, run against requests Patchbay signs: the Swift one
/// (kept here verbatim; a test checks the README still holds this text), and the Python and JavaScript ones taken
/// from the README and run with the interpreters when the machine has them.
@Suite struct ReadmeVerifierTests {
    // The README's Swift example, verbatim.
    func verify(body: Data, id: String, timestamp: String, signatures: String, secret: String) -> Bool {
        guard let sent = Int64(timestamp), abs(Int64(Date().timeIntervalSince1970) - sent) <= 300,
            let key = Data(base64Encoded: String(secret.dropFirst("whsec_".count)))
        else { return false }
        let message = Data("\(id).\(timestamp).".utf8) + body
        return signatures.split(separator: " ").contains { candidate in
            guard candidate.hasPrefix("v1,"), let offered = Data(base64Encoded: String(candidate.dropFirst(3))) else { return false }
            // swift-crypto compares in constant time.
            return HMAC<SHA256>.isValidAuthenticationCode(offered, authenticating: message, using: SymmetricKey(data: key))
        }
    }

    static let readme: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
    }()

    /// The code of the README's fenced block in `language` that contains `marker`.
    static func block(_ language: String, containing marker: String) -> String? {
        let parts = readme.components(separatedBy: "```" + language + "\n").dropFirst()
        return parts.compactMap { $0.components(separatedBy: "```").first }.first { $0.contains(marker) }
    }

    /// A request as Patchbay signs a delivery or a call: current secret and, mid-rotation, the previous one too.
    func signed(secret: WebhookSecret, previous: WebhookSecret? = nil) throws -> WebhookRequest {
        let now = SystemTimeSource().nowMillis
        let webhook = Webhook(
            id: "wh_01", organizationId: "org_01", integrationId: nil, name: "R", url: "https://example.com/h", eventTypes: [], state: .active,
            verifyTls: true, format: .json, maxEventsPerRequest: 1, authorization: nil, headers: [:], secret: secret, previousSecret: previous,
            previousSecretExpiresAt: previous.map { _ in now + 60_000 }, lastTriggeredAt: nil, lastStatus: nil, createdAt: now, updatedAt: now)
        return WebhookRequest.signed(
            webhook: webhook, body: Array(#"{"type":"thread.created","data":{"title":"Hé"}}"#.utf8), messageId: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
            timestamp: now / 1000, now: now)
    }

    func header(_ request: WebhookRequest, _ name: String) -> String { request.headers.first { $0.0 == name }?.1 ?? "" }

    @Test func theReadmeHoldsThisSwiftExample() throws {
        let example = try #require(Self.block("swift", containing: "func verify(body: Data"), "README has no Swift verifier")
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let lines = example.split(separator: "\n", omittingEmptySubsequences: false).drop { !$0.hasPrefix("func verify") }
        let indented = lines.map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(source.contains(indented), "the Swift example in the README and in this test differ")
    }

    @Test func theSwiftExampleAcceptsPatchbaysSignatureOnly() throws {
        let secret = WebhookSecret.generate()
        let previous = WebhookSecret.generate()
        for request in [try signed(secret: secret), try signed(secret: secret, previous: previous)] {
            let check = { (body: [UInt8], key: WebhookSecret) in
                verify(
                    body: Data(body), id: header(request, "webhook-id"), timestamp: header(request, "webhook-timestamp"),
                    signatures: header(request, "webhook-signature"), secret: key.encoded)
            }
            #expect(check(request.body, secret))
            #expect(!check(request.body + [0x20], secret), "a tampered body")
            #expect(!check(request.body, WebhookSecret.generate()), "another secret")
        }
        #expect(try check(rotatingFrom: previous, to: secret), "mid-rotation, the old secret still verifies")
    }

    func check(rotatingFrom previous: WebhookSecret, to secret: WebhookSecret) throws -> Bool {
        let request = try signed(secret: secret, previous: previous)
        return verify(
            body: Data(request.body), id: header(request, "webhook-id"), timestamp: header(request, "webhook-timestamp"),
            signatures: header(request, "webhook-signature"), secret: previous.encoded)
    }

    /// Runs the first of `programs` that is installed with `arguments`; nil when none is.
    func run(_ programs: [String], _ arguments: [String]) throws -> (status: Int32, output: String)? {
        let candidates = programs.flatMap { program in ["/usr/bin/", "/usr/local/bin/", "/bin/"].map { $0 + program } }
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        let pipe = Pipe()
        let process = try ChildProcess(
            executable: path, arguments: arguments, standardOutput: pipe.fileHandleForWriting.fileDescriptor,
            standardError: pipe.fileHandleForWriting.fileDescriptor)
        try pipe.fileHandleForWriting.close()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Writes a script made of the README's example and a harness that checks a good, a tampered and a foreign-key request.
    func script(_ example: String, harness: String, suffix: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("patchbay-readme-\(UUID().uuidString).\(suffix)").path
        try (example + "\n" + harness).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func cases() throws -> (body: String, headers: String, secret: String, other: String) {
        let secret = WebhookSecret.generate()
        let request = try signed(secret: secret)
        let headers = ["webhook-id", "webhook-timestamp", "webhook-signature"].map { "\"\($0)\": \"\(header(request, $0))\"" }.joined(separator: ", ")
        return (Data(request.body).base64EncodedString(), "{" + headers + "}", secret.encoded, WebhookSecret.generate().encoded)
    }

    @Test func thePythonExampleAcceptsPatchbaysSignatureOnly() throws {
        let example = try #require(Self.block("python", containing: "def verify"), "README has no Python verifier")
        let (body, headers, secret, other) = try cases()
        let harness = """
            body = base64.b64decode("\(body)")
            headers = \(headers)
            print(verify(body, headers, "\(secret)"), verify(body + b" ", headers, "\(secret)"), verify(body, headers, "\(other)"))
            """
        let path = try script(example, harness: harness, suffix: "py")
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard let result = try run(["python3"], [path]) else {
            Issue.record(Comment(rawValue: "python3 is not installed: the README's Python example was not run"), severity: .warning)
            return
        }
        #expect(result.status == 0 && result.output.trimmingCharacters(in: .whitespacesAndNewlines) == "True False False", "\(result.output)")
    }

    @Test func theJavaScriptExampleAcceptsPatchbaysSignatureOnly() throws {
        let example = try #require(Self.block("js", containing: "function verify"), "README has no JavaScript verifier")
        let (body, headers, secret, other) = try cases()
        let harness = """
            const body = Buffer.from("\(body)", "base64");
            const headers = \(headers);
            console.log([verify(body, headers, "\(secret)"), verify(Buffer.concat([body, Buffer.from(" ")]), headers, "\(secret)"),
              verify(body, headers, "\(other)")].join(" "));
            """
        let path = try script(example, harness: harness, suffix: "js")
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard let result = try run(["node", "nodejs"], [path]) else {
            Issue.record(Comment(rawValue: "node is not installed: the README's JavaScript example was not run"), severity: .warning)
            return
        }
        #expect(result.status == 0 && result.output.trimmingCharacters(in: .whitespacesAndNewlines) == "true false false", "\(result.output)")
    }
}
