import Foundation
import PatchbayFuzzTargets

/// Runs files through a named fuzz target and says how many ran and which was slowest; a crash is the target's.
enum CorpusReplay {
    /// The exit status: 0 when every input ran, 1 when a file cannot be read, 2 on a usage error.
    static func run(_ arguments: [String]) -> Int32 {
        guard let name = arguments.first, arguments.count > 1, let target = FuzzTargets.all[name] else {
            let usage = "usage: PatchbayFuzz <target> <file|dir>...\ntargets: \(FuzzTargets.names.joined(separator: " "))\n"
            FileHandle.standardError.write(Data(usage.utf8))
            return arguments.first == "--help" ? 0 : 2
        }
        var count = 0
        var slowest: (file: String, elapsed: Duration)?
        let clock = ContinuousClock()
        let started = clock.now
        for file in inputFiles(Array(arguments.dropFirst())) {
            guard let data = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("PatchbayFuzz: cannot read \(file)\n".utf8))
                return 1
            }
            let elapsed = clock.measure { target(Array(data)) }
            if elapsed > slowest?.elapsed ?? .zero { slowest = (file, elapsed) }
            count += 1
        }
        var summary = "\(name): \(count) inputs in \(milliseconds(started.duration(to: clock.now))) ms"
        if let slowest { summary += "; slowest \(slowest.file) (\(milliseconds(slowest.elapsed)) ms)" }
        print(summary)
        return 0
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    /// Files as given, and the regular files inside directories given (sorted, hidden ones skipped).
    static func inputFiles(_ paths: [String]) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            files += names.filter { !$0.hasPrefix(".") }.sorted().map { path + "/" + $0 }
        }
        return files
    }
}
