import Foundation

/// `PatchbayBench lint-vs [--specs DIR] [--runs N] [--patchbay PATH] [--validator PATH]`: `patchbay openapi lint FILE`
/// against `openapi-spec-validator-rs FILE` (PyPI), whole process against whole process, taking turns (A B A B …) so
/// that the machine's drift falls on both alike. The five largest documents one by one, then the whole corpus (one
/// process per file, summed per round). Medians, and the ratio of the medians.
struct LintVersusScenario {
    let directory: String
    let runs: Int
    let patchbay: String
    let validator: String

    func run() throws {
        let patchbay = try ExternalTools.locate(patchbay, package: "this package (swift build -c release --product patchbay)")
        let validator = try ExternalTools.locate(validator, package: "openapi-spec-validator-rs from PyPI (pip install openapi-spec-validator-rs)")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".json") || $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .map { (name: $0, path: directory + "/" + $0) }
            .sorted { (try? size($0.path)) ?? 0 > (try? size($1.path)) ?? 0 }
        print("PatchbayBench lint-vs — \(runs) runs each, taking turns; whole processes; medians in ms")
        print("file                                        MB   patchbay  validator-rs   ratio  patchbay exit  validator exit")
        for file in files.prefix(5) {
            var ours: [Double] = []
            var theirs: [Double] = []
            var statuses: (Int32, Int32) = (0, 0)
            // One warm-up each (the page cache, the dynamic loader).
            _ = try ExternalTools.run([patchbay, "openapi", "lint", file.path], discardOutput: true)
            _ = try ExternalTools.run([validator, file.path], discardOutput: true)
            for _ in 0..<runs {
                let a = try ExternalTools.run([patchbay, "openapi", "lint", file.path], discardOutput: true)
                let b = try ExternalTools.run([validator, file.path], discardOutput: true)
                ours.append(a.wallMillis)
                theirs.append(b.wallMillis)
                statuses = (a.status, b.status)
            }
            let (a, b) = (ExternalTools.median(ours), ExternalTools.median(theirs))
            print(
                file.name.prefix(40).padding(toLength: 40, withPad: " ", startingAt: 0)
                    + String(format: " %5.2f  %9.1f  %12.1f  %6.2f  %13d  %14d", try size(file.path), a, b, a / b, statuses.0, statuses.1))
        }
        var ours: [Double] = []
        var theirs: [Double] = []
        for _ in 0..<max(1, runs / 3) {
            var a = 0.0
            var b = 0.0
            for file in files {
                a += try ExternalTools.run([patchbay, "openapi", "lint", file.path], discardOutput: true).wallMillis
                b += try ExternalTools.run([validator, file.path], discardOutput: true).wallMillis
            }
            ours.append(a)
            theirs.append(b)
        }
        let (a, b) = (ExternalTools.median(ours), ExternalTools.median(theirs))
        print(String(format: "all %d documents, one process each: patchbay %.0f ms, validator-rs %.0f ms, ratio %.2f", files.count, a, b, a / b))
    }

    private func size(_ path: String) throws -> Double {
        Double((try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) / 1_048_576
    }
}
