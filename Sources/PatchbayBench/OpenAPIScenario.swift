import Foundation
import PatchbayOpenAPI

/// `PatchbayBench openapi [--specs DIR] [--runs N]`: for every document of the corpus, the time to read it
/// (JSON or YAML into positioned nodes), to lint it (the document model, references and every rule) and to
/// turn it into actions (conversion, extraction, hints), best of N runs, with the peak resident memory while
/// it was processed.
struct OpenAPIScenario {
    let directory: String
    let runs: Int

    struct Timing {
        var read: Double
        var lint: Double
        var actions: Double
        var total: Double { read + lint + actions }
    }

    func run() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".json") || $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
        var sized: [(name: String, bytes: [UInt8])] = []
        for name in names {
            sized.append((name, Array(try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name)))))
        }
        sized.sort { $0.bytes.count > $1.bytes.count }
        print("file                                                    MB    ops  problems   read ms   lint ms  actions ms  total ms  peak MB")
        var sum = 0.0
        for (name, bytes) in sized {
            var best: Timing?
            var operations = 0
            var problems = 0
            ProcessMemory.resetPeak()
            for _ in 0..<runs {
                let clock = ContinuousClock()
                let start = clock.now
                let source = try SourceDocumentReader.read(bytes)
                let read = clock.now
                let document = try APIDocument(root: source.root)
                let findings = Linter.lint(document, readWarnings: source.warnings)
                let linted = clock.now
                let result = OpenAPIImporter.actions(for: document)
                let done = clock.now
                operations = result.actions.actions.count
                problems = findings.count
                let timing = Timing(read: Self.ms(read - start), lint: Self.ms(linted - read), actions: Self.ms(done - linted))
                if best == nil || timing.total < best!.total { best = timing }
            }
            guard let best else { continue }
            sum += best.total
            print(
                name.padding(toLength: 52, withPad: " ", startingAt: 0)
                    + String(
                        format: " %5.2f %6d %9d %9.1f %9.1f %11.1f %9.1f %8.0f", Double(bytes.count) / 1_048_576, operations, problems, best.read,
                        best.lint,
                        best.actions, best.total, ProcessMemory.peakMB)
            )
        }
        print(String(format: "all %d documents: %.0f ms (best of %d runs each)", sized.count, sum, runs))
    }

    static func ms(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
