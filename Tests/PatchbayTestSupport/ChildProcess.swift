import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child process started with `posix_spawn`. Foundation's `Process.run()` on Linux (Swift 6.3.1) reads past a
/// directory entry while it lists `/proc/self/fd` and crashes the test process at times (SIGSEGV in `memcpy`;
/// swift-corelibs-foundation#5472): CI hit it once in a suite that starts many children.
///
/// The child gets the given descriptors as its standard input, output and error (`/dev/null` otherwise) and no
/// other descriptor of ours, so a pipe's reader still sees its end when the child that should write it exits.
public final class ChildProcess: Sendable {
    public let processIdentifier: pid_t
    /// The exit status once the child has been waited for.
    private let status = Mutex<Int32?>(nil)

    public init(
        executable: String, arguments: [String], environment: [String: String]? = nil, standardInput: Int32? = nil,
        standardOutput: Int32? = nil, standardError: Int32? = nil
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, source) in [(Int32(0), standardInput), (1, standardOutput), (2, standardError)] {
            if let source {
                posix_spawn_file_actions_adddup2(&actions, source, target)
            } else {
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            }
        }
        if let closeFrom = Self.closeFrom { _ = closeFrom(&actions, 3) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let environment = environment ?? ProcessInfo.processInfo.environment
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in envp { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw ChildProcessFailure(description: "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        processIdentifier = pid
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc module does not
    /// import: looked up by name. Without it the child inherits our descriptors, as under `Process` on Darwin.
    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        #if os(Linux)
            // A null handle is glibc's RTLD_DEFAULT: every loaded object.
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
            return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
        #else
            return nil
        #endif
    }()

    deinit {
        if isRunning {
            kill(processIdentifier, SIGKILL)
            waitUntilExit()
        }
    }

    /// Whether the child has not exited yet (it is reaped, without blocking, once it has).
    public var isRunning: Bool {
        status.withLock { status in
            guard status == nil else { return false }
            var raw: Int32 = 0
            let result = waitpid(processIdentifier, &raw, WNOHANG)
            guard result == processIdentifier else { return result == 0 }
            status = Self.exitStatus(raw)
            return false
        }
    }

    /// Blocks until the child exits.
    public func waitUntilExit() {
        status.withLock { status in
            guard status == nil else { return }
            var raw: Int32 = 0
            while true {
                let result = waitpid(processIdentifier, &raw, 0)
                if result == processIdentifier {
                    status = Self.exitStatus(raw)
                    return
                }
                guard result < 0, errno == EINTR else {
                    status = -1
                    return
                }
            }
        }
    }

    /// The exit code, or the number of the signal that ended it (as Foundation's `Process` reports it); -1 before it
    /// has exited.
    public var terminationStatus: Int32 { status.withLock { $0 } ?? -1 }

    public func send(_ signal: Int32) { kill(processIdentifier, signal) }

    public func terminate() { send(SIGTERM) }

    private static func exitStatus(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : signal
    }
}

public struct ChildProcessFailure: Error, CustomStringConvertible {
    public let description: String
}
