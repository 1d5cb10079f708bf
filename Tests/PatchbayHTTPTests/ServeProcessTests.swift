import AsyncHTTPClient
import Foundation
import NIOCore
import PatchbayCore
import PatchbayStorage
import PatchbayTestSupport
import Testing

/// Runs the real `patchbay` binary: zero-configuration start, the admin token printed once, signals, and the
/// `migrate` and `token create --admin` commands, on both stores.
@Suite struct ServeProcessTests {
    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["PATCHBAY_BINARY"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/patchbay").path
    }()

    @Test(arguments: StoreKind.allCases)
    func serveStartsWithZeroConfigurationAndStopsOnSignals(kind: StoreKind) async throws {
        if kind == .postgres, TestDatabase.postgresURL == nil {
            try #require(!TestDatabase.isCI, "CI must run the PostgreSQL variant")
            return
        }
        let directory = TestDatabase.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var storage = ["--data-dir", directory]
        var database: String?
        if kind == .postgres {
            let created = try await TestDatabase.createPostgresDatabase()
            database = created.name
            storage += ["--database-url", created.url]
        }

        let first = try ServerProcess(arguments: ["serve", "--port", "0"] + storage)
        let (port, printedToken) = try await first.waitUntilListening()
        let adminToken = try #require(printedToken, "the first start prints an admin token")
        #expect(adminToken.hasPrefix("pb_"))
        #expect(try await Self.request("GET", port: port, path: "/v1/health").status == 200)
        let created = try await Self.request("POST", port: port, path: "/v1/organizations", token: adminToken, body: #"{"name":"Acme"}"#)
        #expect(created.status == 201)
        #expect(try await first.stop(signal: SIGTERM) == 0)
        // Workers wait for the start-up migrations: a first start logs no failure (it used to log a failed claim).
        #expect(!first.errors.contains(" error "), "\(first.errors)")

        let second = try ServerProcess(arguments: ["serve", "--port", "0"] + storage)
        let (secondPort, secondToken) = try await second.waitUntilListening()
        #expect(secondToken == nil, "the admin token is printed only on the first start")
        #expect(try await Self.request("GET", port: secondPort, path: "/v1/organizations", token: adminToken).body.contains("Acme"))
        #expect(try await second.stop(signal: SIGINT) == 0)

        let migrate = try await ServerProcess.runAsync(["migrate"] + storage)
        #expect(migrate.status == 0)
        #expect(migrate.output.contains("up to date"))
        let minted = try await ServerProcess.runAsync(["token", "create", "--admin"] + storage)
        #expect(minted.status == 0)
        let newToken = minted.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(newToken.hasPrefix("pb_"))

        let third = try ServerProcess(
            arguments: ["serve", "--port", "0"] + storage, environment: ["PATCHBAY_ADMIN_TOKEN": "pb_from_environment_0123456789"])
        let (thirdPort, _) = try await third.waitUntilListening()
        #expect(try await Self.request("GET", port: thirdPort, path: "/v1/organizations", token: newToken).status == 200)
        #expect(try await Self.request("GET", port: thirdPort, path: "/v1/organizations", token: "pb_from_environment_0123456789").status == 200)
        #expect(try await Self.request("GET", port: thirdPort, path: "/v1/organizations", token: "pb_from_environment_012345678").status == 401)
        #expect(try await third.stop(signal: SIGTERM) == 0)
        if let database { try await TestDatabase.dropPostgresDatabase(database) }
    }

    @Test(arguments: [
        (["serve", "--port", "70000"], "--port"),
        (["serve", "--retry-schedule", "soon"], "retry-schedule"),
        (["serve", "--retention", "30x"], "--retention: \"30x\" is not a period such as 30d"),
        (["serve", "--retention", "0d"], "--retention"),
        (["serve", "--retention", "99999999d"], "up to 3660d"),
        (["serve", "--command-timeout", "50ms"], "--command-timeout must be from 100ms to 30s"),
        (["serve", "--database-url", "mysql://localhost/x"], "postgres://"),
        (["token", "create"], "--admin"),
        (["serve", "--no-such-flag"], "no-such-flag"),
        (["serve", "--console-frame-ancestors", "https://*"], "--console-frame-ancestors"),
        (["serve", "--console-frame-ancestors", "app.example.com"], "is not an origin"),
        (["serve", "--console-frame-ancestors", "https://app.example.com/path"], "without a path"),
    ])
    func badCommandLinesExitWithAReason(arguments: [String], mention: String) async throws {
        let result = try await ServerProcess.runAsync(arguments)
        #expect(result.status != 0)
        #expect(result.errors.contains(mention), "\(result.errors)")
    }

    @Test(arguments: [
        (["PATCHBAY_MAX_BODY_BYTES": "10"], "PATCHBAY_MAX_BODY_BYTES must be a whole number of at least 1024"),
        (["PATCHBAY_MAX_BODY_BYTES": "lots"], "PATCHBAY_MAX_BODY_BYTES"),
        (["PATCHBAY_DATABASE_URL": "mysql://localhost/x"], "PATCHBAY_DATABASE_URL must start with postgres://"),
        (["PATCHBAY_PUBLIC_URL": "patchbay.example.com"], "PATCHBAY_PUBLIC_URL must be an absolute http or https URL"),
        (["PATCHBAY_RETENTION": "forever"], "PATCHBAY_RETENTION: \"forever\" is not a period"),
    ])
    func environmentVariablesAreCheckedLikeTheirFlags(environment: [String: String], mention: String) async throws {
        let directory = TestDatabase.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let child = try ServerProcess(arguments: ["serve", "--port", "0", "--data-dir", directory], environment: environment)
        #expect(await child.waitForExit() != 0)
        #expect(child.errors.contains(mention), "\(child.errors)")
    }

    @Test func retentionOffServesUntilStopped() async throws {
        let directory = TestDatabase.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let child = try ServerProcess(
            arguments: ["serve", "--port", "0", "--data-dir", directory, "--retention", "off", "--command-timeout", "500ms"],
            environment: ["PATCHBAY_ADMIN_TOKEN": "pb_retention_off_admin_0123456789"])
        let (port, _) = try await child.waitUntilListening()
        // A service that returned at once used to end the whole server a moment after it started.
        try await Task.sleep(for: .seconds(1))
        #expect(try await Self.request("GET", port: port, path: "/v1/health").status == 200)
        #expect(try await child.stop(signal: SIGTERM) == 0)
    }

    @Test func oneServerOwnsASQLiteDataDirectory() async throws {
        let directory = TestDatabase.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let admin = "pb_lock_test_admin_0123456789abcdef"
        let first = try ServerProcess(arguments: ["serve", "--port", "0", "--data-dir", directory], environment: ["PATCHBAY_ADMIN_TOKEN": admin])
        let (port, _) = try await first.waitUntilListening()
        let second = try ServerProcess(arguments: ["serve", "--port", "0", "--data-dir", directory], environment: ["PATCHBAY_ADMIN_TOKEN": admin])
        #expect(await second.waitForExit() == 2)
        #expect(second.errors.contains("owns the data directory \(directory)"), "\(second.errors)")
        #expect(second.errors.contains("pid "))
        #expect(try await Self.request("GET", port: port, path: "/v1/health").status == 200, "the owner serves on")
        // However the owner ends, the directory is free again.
        _ = try await first.stop(signal: SIGKILL)
        let third = try ServerProcess(arguments: ["serve", "--port", "0", "--data-dir", directory], environment: ["PATCHBAY_ADMIN_TOKEN": admin])
        _ = try await third.waitUntilListening()
        #expect(try await third.stop(signal: SIGTERM) == 0)
    }

    @Test func aFlagWinsOverItsEnvironmentVariable() async throws {
        let directory = TestDatabase.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let admin = "pb_flag_wins_admin_0123456789abcdef"
        let body = #"{"name":""# + String(repeating: "x", count: 4000) + #""}"#
        // The environment alone sets the limit; a flag given beside it wins.
        for (flags, limit) in [([String](), "2048"), (["--max-body-bytes", "65536"], "2048")] {
            let child = try ServerProcess(
                arguments: ["serve", "--port", "0", "--data-dir", directory] + flags,
                environment: ["PATCHBAY_ADMIN_TOKEN": admin, "PATCHBAY_MAX_BODY_BYTES": limit])
            let (port, _) = try await child.waitUntilListening()
            let status = try await Self.request("POST", port: port, path: "/v1/organizations", token: admin, body: body).status
            #expect(status == (flags.isEmpty ? 413 : 422), "\(flags): \(status)")
            #expect(try await child.stop(signal: SIGTERM) == 0)
        }
    }

    @Test func aShortEnvironmentAdminTokenIsRefused() async throws {
        let directory = TestDatabase.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let child = try ServerProcess(arguments: ["serve", "--port", "0", "--data-dir", directory], environment: ["PATCHBAY_ADMIN_TOKEN": "admin"])
        let status = await child.waitForExit()
        #expect(status != 0)
        #expect(child.errors.contains("PATCHBAY_ADMIN_TOKEN must be at least 24 characters"))
    }

    /// `request`, its body read as JSON (`.null` when it is not JSON).
    static func json(_ method: String, port: Int, path: String, token: String? = nil, body: String? = nil) async throws -> JSONValue {
        let response = try await request(method, port: port, path: path, token: token, body: body)
        return (try? JSONDecoder().decode(JSONValue.self, from: Data(response.body.utf8))) ?? .null
    }

    static func request(_ method: String, port: Int, path: String, token: String? = nil, body: String? = nil) async throws -> (
        status: Int, body: String
    ) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .init(rawValue: method)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }
}

/// A `patchbay` child process whose output goes to a file the test polls.
final class ServerProcess: Sendable {
    private let process: ChildProcess
    private let outputPath: String
    private let errorPath: String

    init(arguments: [String], environment: [String: String] = [:]) throws {
        outputPath = TestDatabase.temporaryDirectory() + ".out"
        errorPath = outputPath + ".err"
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        FileManager.default.createFile(atPath: errorPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        var merged = ProcessInfo.processInfo.environment
        merged["PATCHBAY_ADMIN_TOKEN"] = nil
        merged["PATCHBAY_DATABASE_URL"] = nil
        merged["LOG_LEVEL"] = "warning"
        merged.merge(environment) { _, new in new }
        process = try ChildProcess(
            executable: ServeProcessTests.binary, arguments: arguments, environment: merged, standardOutput: output.fileDescriptor,
            standardError: errors.fileDescriptor)
        try output.close()
        try errors.close()
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(atPath: outputPath)
        try? FileManager.default.removeItem(atPath: errorPath)
    }

    /// Standard output: what a user or a script reads.
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    /// Standard error: logs and usage errors.
    var errors: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// Waits for "Patchbay listening on http://host:PORT"; returns the port and the admin token if one was printed.
    func waitUntilListening(timeout: Duration = .seconds(60)) async throws -> (port: Int, adminToken: String?) {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = output
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Patchbay listening on http://") }),
                let port = line.split(separator: ":").last.flatMap({ Int($0) })
            {
                let token = text.split(separator: "\n").first { $0.hasPrefix("Admin token") }.flatMap { $0.split(separator: " ").last }.map(
                    String.init)
                return (port, token)
            }
            guard process.isRunning else { throw ProcessFailure(output: text + errors) }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ProcessFailure(output: "timed out: " + output)
    }

    /// Sends `signal` and returns the exit status (a graceful shutdown exits 0). Waits without holding a thread of the
    /// concurrency pool (two on this machine): a blocked thread delays every timed test running beside it.
    func stop(signal: Int32) async throws -> Int32 {
        kill(process.processIdentifier, signal)
        let deadline = ContinuousClock.now + .seconds(20)
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        guard !process.isRunning else {
            process.terminate()
            throw ProcessFailure(output: "did not stop on signal \(signal): " + output)
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Waits for the process to exit on its own, as `stop` waits (60 s at most, then it is killed).
    func waitForExit() async -> Int32 {
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// As `run`, but waits without holding a thread of the concurrency pool (two threads on this machine), so the
    /// servers of the tests running beside it keep answering.
    static func runAsync(_ arguments: [String]) async throws -> (status: Int32, output: String, errors: String) {
        let child = try ServerProcess(arguments: arguments)
        let deadline = ContinuousClock.now + .seconds(120)
        while child.process.isRunning {
            guard ContinuousClock.now < deadline else {
                child.process.terminate()
                throw ProcessFailure(output: "did not exit: " + child.output + child.errors)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        child.process.waitUntilExit()
        return (child.process.terminationStatus, child.output, child.errors)
    }
}

struct ProcessFailure: Error, CustomStringConvertible {
    let output: String
    var description: String { "patchbay failed: \(output.suffix(2000))" }
}
