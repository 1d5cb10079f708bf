import Foundation

/// The other programs the side-by-side scenarios run (wrk, nginx, the Rust validator): found on PATH, started as
/// separate processes, timed from outside as a whole.
enum ExternalTools {
    struct Finished {
        var status: Int32
        var output: String
        var wallMillis: Double
    }

    /// The executable's full path, or a failure that says which Debian or PyPI package provides it.
    static func locate(_ name: String, package: String) throws -> String {
        if name.contains("/") { return name }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw BenchFailure("\(name) is not on PATH: install \(package)")
    }

    /// Runs `arguments[0]` with the rest, waits, and returns its status, standard output and wall time.
    static func run(_ arguments: [String], discardOutput: Bool = false) throws -> Finished {
        if discardOutput { return try spawnAndWait(arguments) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let pipe = Pipe()
        process.standardOutput = discardOutput ? FileHandle.nullDevice : pipe
        process.standardError = FileHandle.nullDevice
        let started = ContinuousClock.now
        try process.run()
        // Read before waiting: a full pipe would otherwise stop the child.
        let data = discardOutput ? Data() : pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let elapsed = ContinuousClock.now - started
        return Finished(
            status: process.terminationStatus, output: String(decoding: data, as: UTF8.self),
            wallMillis: Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15)
    }

    /// posix_spawn and waitpid: Foundation's `waitUntilExit` polls a run loop every 50 ms, which would round every
    /// timing to 50 ms.
    private static func spawnAndWait(_ arguments: [String]) throws -> Finished {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let started = ContinuousClock.now
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard spawned == 0 else { throw BenchFailure("cannot start \(arguments[0]): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let elapsed = ContinuousClock.now - started
        return Finished(
            status: (status >> 8) & 0xff, output: "",
            wallMillis: Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

/// What wrk printed: requests per second and its latency percentiles (`--latency`).
struct WrkResult {
    var requestsPerSecond: Double
    var p50Millis: Double
    var p99Millis: Double
    var non2xx: Int

    static func run(url: String, seconds: Int, connections: Int, threads: Int = 2, headers: [String] = [], script: String? = nil) throws
        -> WrkResult
    {
        let wrk = try ExternalTools.locate("wrk", package: "Debian's wrk")
        var arguments = [wrk, "-t\(threads)", "-c\(connections)", "-d\(seconds)s", "--latency"]
        for header in headers { arguments += ["-H", header] }
        if let script { arguments += ["-s", script] }
        arguments.append(url)
        let finished = try ExternalTools.run(arguments)
        guard finished.status == 0, let result = parse(finished.output) else {
            throw BenchFailure("wrk failed (\(finished.status)): \(finished.output)")
        }
        return result
    }

    static func parse(_ output: String) -> WrkResult? {
        var result = WrkResult(requestsPerSecond: 0, p50Millis: 0, p99Millis: 0, non2xx: 0)
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first == "Requests/sec:", fields.count > 1 { result.requestsPerSecond = Double(fields[1]) ?? 0 }
            if first == "50%", fields.count > 1 { result.p50Millis = millis(fields[1]) }
            if first == "99%", fields.count > 1 { result.p99Millis = millis(fields[1]) }
            if line.contains("Non-2xx or 3xx responses:"), let last = fields.last { result.non2xx = Int(last) ?? 0 }
        }
        return result.requestsPerSecond > 0 ? result : nil
    }

    /// wrk writes `812.00us`, `1.37ms` or `2.01s`.
    private static func millis(_ text: Substring) -> Double {
        if text.hasSuffix("us") { return (Double(text.dropLast(2)) ?? 0) / 1_000 }
        if text.hasSuffix("ms") { return Double(text.dropLast(2)) ?? 0 }
        if text.hasSuffix("s") { return (Double(text.dropLast(1)) ?? 0) * 1_000 }
        return 0
    }
}
