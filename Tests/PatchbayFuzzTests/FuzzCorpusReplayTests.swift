import Foundation
import PatchbayFuzzTargets
import PatchbayTestSupport
import Testing

/// Every committed corpus input goes through its fuzz target on every test run, so a crash libFuzzer found (and
/// that was then added to `Fuzz/corpus/<target>/`) stays fixed.
///
/// Each target's inputs run in a child process (an exit test), so an input that traps or hangs fails its target's
/// test, and is then named, rather than ending the whole test run. The replays run one at a time with respect to the
/// other CPU-heavy and timing tests: eight child processes at once on two cores starved a timing test in CI.
@Suite struct FuzzCorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fuzz/corpus").standardized

    /// Beyond this an input is too slow: libFuzzer's own limit is 5 s an input (in a release build; every seed
    /// takes well under 0.5 s in a debug one).
    static let slowLimit = Duration.seconds(5)
    /// An input still running after this is hung: the child process ends by SIGALRM instead of holding the run.
    static let hangSeconds: UInt32 = 60

    static func inputs(of target: String) -> [URL] {
        let directory = corpus.appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { directory.appendingPathComponent($0) }
    }

    @Test func everyCorpusDirectoryNamesATargetAndEveryTargetHasSeeds() throws {
        let directories = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).filter { !$0.hasPrefix(".") }
        #expect(Set(directories) == Set(FuzzTargets.names))
        for name in FuzzTargets.names {
            #expect(Self.inputs(of: name).count >= 3, "\(name) needs a few seed inputs")
        }
    }

    @Test(arguments: FuzzTargets.names)
    func replaysTheCommittedCorpusWithoutCrashing(target name: String) async throws {
        try await exclusively { await Self.replayInChildProcesses(name) }
    }

    private static func replayInChildProcesses(_ name: String) async {
        let paths: [String] = inputs(of: name).map(\.path)
        let passed = await #expect(processExitsWith: .success, "replaying \(name)'s corpus") { [name, paths = paths as [String]] in
            FuzzCorpusReplayTests.replay(paths, through: name)
        }
        guard passed == nil else { return }
        // Something crashed or was too slow: find which input, one child process each.
        for path in paths {
            await #expect(processExitsWith: .success, "\(name)/\(URL(fileURLWithPath: path).lastPathComponent)") { [name, path = path as String] in
                FuzzCorpusReplayTests.replay([path], through: name)
            }
        }
    }

    /// Runs in the child process: a trap ends it with a signal, a hang with SIGALRM, an input slower than
    /// `slowLimit` with status 4.
    static func replay(_ paths: [String], through name: String) {
        guard let target = FuzzTargets.all[name] else { exit(2) }
        let clock = ContinuousClock()
        for path in paths {
            guard let bytes = FileManager.default.contents(atPath: path) else { exit(3) }
            alarm(hangSeconds)
            if clock.measure({ target(Array(bytes)) }) > slowLimit { exit(4) }
            alarm(0)
        }
    }
}
