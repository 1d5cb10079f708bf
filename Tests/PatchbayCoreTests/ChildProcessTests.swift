import Foundation
import PatchbayTestSupport
import Testing

/// The tests' own way of starting programs (Foundation's `Process.run()` crashes at times on Linux).
@Suite struct ChildProcessTests {
    /// Runs `/bin/sh -c script` and returns its status and standard output.
    static func shell(_ script: String) throws -> (status: Int32, output: String) {
        let pipe = Pipe()
        let child = try ChildProcess(executable: "/bin/sh", arguments: ["-c", script], standardOutput: pipe.fileHandleForWriting.fileDescriptor)
        try pipe.fileHandleForWriting.close()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        return (child.terminationStatus, output)
    }

    @Test func exitCodesAndOutputComeBack() throws {
        #expect(try Self.shell("echo hello; exit 3") == (3, "hello\n"))
        #expect(try Self.shell("exit 0").status == 0)
    }

    @Test func aSignalledChildReportsTheSignal() throws {
        let child = try ChildProcess(executable: "/bin/sh", arguments: ["-c", "sleep 30"])
        #expect(child.isRunning)
        child.send(SIGKILL)
        child.waitUntilExit()
        #expect(!child.isRunning)
        #expect(child.terminationStatus == SIGKILL)
    }

    #if os(Linux)
        /// A pipe the test holds open must not reach the child: a reader waiting for a sibling's end would hang.
        @Test func theChildGetsNoOtherDescriptorOfOurs() throws {
            let held = Pipe()
            defer { try? held.fileHandleForWriting.close() }
            let listed = try Self.shell("ls /proc/self/fd").output.split(separator: "\n").compactMap { Int($0) }
            #expect(!listed.contains(Int(held.fileHandleForWriting.fileDescriptor)))
            #expect(listed.allSatisfy { $0 <= 3 }, "descriptors in the child: \(listed)")
        }
    #endif

    @Test func aMissingProgramIsAnError() {
        #expect(throws: ChildProcessFailure.self) { try ChildProcess(executable: "/nonexistent/program", arguments: []) }
    }
}
