import ArgumentParser
import Foundation
import PatchbayCore
import PatchbayOpenAPI

/// `patchbay openapi …`: lint, convert and list the actions of an API description on disk.
struct OpenAPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi",
        abstract: "Lint, convert and list the actions of an OpenAPI 3.x or Swagger 2.0 document (JSON or YAML).",
        subcommands: [Lint.self, Convert.self, Actions.self]
    )

    /// Exit codes: 0 valid, 1 error-level findings, 2 unreadable or not an API description.
    static let unreadable: Int32 = 2

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print lint findings as `file:line:col severity rule message`; exit 0 when valid, 1 on errors, 2 when unreadable."
        )

        @Argument(help: "The document. References to other local files are followed.") var file: String
        @Flag(help: "Print {valid, version, operations, problems} as JSON instead.") var json = false

        func run() throws {
            try OpenAPICommand.read(file, json: json) { document, _, warnings, problems -> Never in
                // Lint alone: converting and extracting actions would double the time, and the count is the model's.
                let found = problems + Linter.lint(document, readWarnings: warnings)
                try report(
                    LintResult(
                        version: document.versionText, versionName: document.displayName, operationCount: document.operations.count,
                        problems: found))
                // Exit while the document is still held: freeing its megabytes of small nodes would cost a tenth of the run.
                Foundation.exit(found.contains { $0.severity == .error } ? 1 : 0)
            }
        }

        private func report(_ imported: LintResult) throws {
            if json {
                let report = LintReportBody(
                    valid: imported.isValid, version: imported.version, operations: imported.operationCount, problems: imported.problems)
                try OpenAPICommand.printJSON(report)
            } else {
                for problem in imported.problems { print(OpenAPICommand.line(problem, file: file)) }
                let errors = imported.problems.count { $0.severity == .error }
                let warnings = imported.problems.count { $0.severity == .warn }
                print(
                    "\(file): \(imported.versionName), \(imported.operationCount) operations, \(errors) errors, \(warnings) warnings, \(imported.problems.count - errors - warnings) notes"
                )
            }
        }
    }

    struct LintResult {
        var version: String
        var versionName: String
        var operationCount: Int
        var problems: [LintProblem]
        var isValid: Bool { !problems.contains { $0.severity == .error } }
    }

    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the document as OpenAPI 3 JSON (Swagger 2.0 is converted; 3.x is printed as read).")

        @Argument var file: String

        func run() throws {
            let imported = try OpenAPICommand.load(file, json: false)
            print(SourceNodeWriter.json(imported.converted), terminator: "")
        }
    }

    struct Actions: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the actions the document's operations become, and the suggested API settings.")

        @Argument var file: String
        @Flag(help: "Print {api, actions} as JSON with every parameter and schema.") var json = false

        func run() throws {
            let imported = try OpenAPICommand.load(file, json: json)
            if json {
                try OpenAPICommand.printJSON(ActionsBody(api: imported.settings, actions: imported.actions))
                return
            }
            let width = imported.actions.map(\.method.count).max() ?? 0
            for action in imported.actions {
                let method = action.method.padding(toLength: width, withPad: " ", startingAt: 0)
                print("\(method) \(action.path)  \(action.name)\(action.paginated ? "  [paginated]" : "")")
            }
            let settings = imported.settings
            print(
                "\(imported.actions.count) actions; base URL \(settings.baseUrl ?? "(none)"), auth \(settings.auth.type.rawValue), pagination \(settings.pagination.type.rawValue)"
            )
        }
    }

    struct LintReportBody: Encodable {
        var valid: Bool
        var version: String
        var operations: Int
        var problems: [LintProblem]
    }

    struct ActionsBody: Encodable {
        var api: APISettings
        var actions: [ActionDefinition]
    }

    static func line(_ problem: LintProblem, file: String) -> String {
        let place = problem.line.map { "\(file):\($0):\(problem.column ?? 1)" } ?? file
        return "\(place) \(problem.severity.rawValue) \(problem.rule) \(problem.message)"
    }

    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// Reads and imports the file; an unreadable document prints its one problem and exits 2.
    static func load(_ file: String, json: Bool) throws -> ImportedAPI {
        try read(file, json: json) { document, format, warnings, problems in
            OpenAPIImporter.analyze(document, format: format, readWarnings: warnings, otherProblems: problems)
        }
    }

    /// Reads the file (following references to other local files) and hands the model to `use`; an unreadable
    /// document prints its one problem and exits 2.
    static func read<Result>(
        _ file: String, json: Bool, _ use: (APIDocument, SourceFormat, [SourceReadWarning], [LintProblem]) throws -> Result
    ) throws -> Result {
        let read: (source: SourceDocument, document: APIDocument, problems: [LintProblem])
        do {
            read = try OpenAPIImporter.readFile(file) { try bytes(ofFile: $0) }
        } catch {
            if json {
                try printJSON(LintReportBody(valid: false, version: "", operations: 0, problems: [error.problem]))
            } else {
                FileHandle.standardError.write(Data((line(error.problem, file: file) + "\n").utf8))
            }
            throw ExitCode(unreadable)
        }
        return try use(read.document, read.source.format, read.source.warnings, read.problems)
    }

    /// The file's bytes, read straight into an array (through `Data`, and a copy out of it, a large document's lint
    /// paid a millisecond or two more), and at most `limit` of them: the reader refuses a document past its maximum,
    /// so reading on would only fill memory (`/dev/zero`, a sparse file of terabytes).
    static func bytes(ofFile path: String, limit: Int = SourceDocumentReader.maximumBytes + 1) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileReadError(code: errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw FileReadError(code: errno) }
        guard (status.st_mode & S_IFMT) != S_IFDIR else { throw FileReadError(code: EISDIR) }
        // The size is a hint (a pipe, or a file still growing, reports another): one byte more shows the end.
        let expected = min(max(Int(clamping: status.st_size), 0), limit)
        var bytes = try readUpTo(min(expected + 1, limit), from: descriptor)
        while bytes.count < limit {
            let wanted = min(65_536, limit - bytes.count)
            let more = try readUpTo(wanted, from: descriptor)
            bytes += more
            if more.count < wanted { break }
        }
        return bytes
    }

    /// Up to `count` bytes, fewer only at the end of the file.
    private static func readUpTo(_ count: Int, from descriptor: Int32) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            while initialized < count {
                let got = readFromDescriptor(descriptor, base + initialized, count - initialized)
                if got == 0 { return }
                if got < 0 {
                    if errno == EINTR { continue }
                    throw FileReadError(code: errno)
                }
                initialized += got
            }
        }
    }

    struct FileReadError: Error, CustomStringConvertible {
        var code: Int32
        var description: String { String(cString: strerror(code)) }
    }
}

/// POSIX `read(2)` (Glibc's or Darwin's), named apart from the commands' own `read`.
private func readFromDescriptor(_ descriptor: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
