import Foundation
import PatchbayCore
import PatchbayTestSupport
import Synchronization
import Testing

/// `patchbay backup --to FILE` against a server under write load: restored, the copy holds every event that was
/// acknowledged before the backup began.
@Suite struct BackupTests {
    static let admin = "pb_backup_test_admin_0123456789abcdef"

    /// Event ids whose publish was answered 202, in order.
    final class Acknowledged: Sendable {
        private let ids = Mutex<[String]>([])
        func append(_ id: String) { ids.withLock { $0.append(id) } }
        var all: [String] { ids.withLock { $0 } }
    }

    static func call(_ port: Int, _ method: String, _ path: String, _ body: String? = nil) async throws -> JSONValue {
        try await ServeProcessTests.json(method, port: port, path: path, token: admin, body: body)
    }

    @Test func aBackupUnderWriteLoadRestoresEveryAcknowledgedEvent() async throws {
        // Two clients publishing without pause load both cores: alone with respect to the timed tests.
        try await exclusively { try await Self.backUpUnderLoad() }
    }

    static func backUpUnderLoad() async throws {
        let source = TestDatabase.temporaryDirectory()
        let restored = TestDatabase.temporaryDirectory()
        let copy = TestDatabase.temporaryDirectory() + "-backup.sqlite"
        defer {
            for path in [source, restored, copy] { try? FileManager.default.removeItem(atPath: path) }
        }
        let server = try ServerProcess(arguments: ["serve", "--port", "0", "--data-dir", source], environment: ["PATCHBAY_ADMIN_TOKEN": Self.admin])
        let (port, _) = try await server.waitUntilListening()
        _ = try await Self.call(port, "POST", "/v1/event-types", #"{"name":"thread.created"}"#)
        let org = try #require(try await Self.call(port, "POST", "/v1/organizations", #"{"name":"Backed up"}"#)["id"]?.stringValue)

        // Two clients publish without pause while the backup runs.
        let acknowledged = Acknowledged()
        let publishing = Task { [org] in
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        while !Task.isCancelled {
                            let event = try? await Self.call(port, "POST", "/v1/organizations/\(org)/events", #"{"type":"thread.created","data":{}}"#)
                            if let id = event?["id"]?.stringValue { acknowledged.append(id) }
                        }
                    }
                }
            }
        }
        // Under way: some events acknowledged (however slow the machine), more to come while the backup runs.
        let deadline = ContinuousClock.now + .seconds(30)
        while acknowledged.all.count < 30, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let beforeBackup = Set(acknowledged.all)
        let backup = try await ServerProcess.runAsync(["backup", "--data-dir", source, "--to", copy])
        try await Task.sleep(for: .milliseconds(300))
        publishing.cancel()
        await publishing.value
        #expect(backup.status == 0, "\(backup.errors)")
        #expect(backup.output.contains("Backed up"))
        #expect(beforeBackup.count >= 30, "the backup ran under load (\(beforeBackup.count) events before it)")
        #expect(acknowledged.all.count > beforeBackup.count, "publishing went on during the backup")
        #expect(try await server.stop(signal: SIGTERM) == 0)

        // Restore: the copy as the database, with the same encryption key.
        try FileManager.default.createDirectory(atPath: restored, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: copy, toPath: restored + "/patchbay.sqlite")
        try FileManager.default.copyItem(atPath: source + "/encryption.key", toPath: restored + "/encryption.key")
        let second = try ServerProcess(
            arguments: ["serve", "--port", "0", "--data-dir", restored], environment: ["PATCHBAY_ADMIN_TOKEN": Self.admin])
        let (secondPort, _) = try await second.waitUntilListening()
        var found = Set<String>()
        var cursor: String?
        repeat {
            let page = try await Self.call(
                secondPort, "GET", "/v1/organizations/\(org)/events?type=thread.created&limit=100" + (cursor.map { "&cursor=\($0)" } ?? ""))
            found.formUnion((page["data"]?.array ?? []).compactMap { $0["id"]?.stringValue })
            cursor = page["nextCursor"]?.stringValue
        } while cursor != nil
        #expect(beforeBackup.isSubset(of: found), "missing from the restored copy: \(beforeBackup.subtracting(found).count)")
        #expect(try await second.stop(signal: SIGTERM) == 0)
    }

    @Test func refusals() async throws {
        let cases: [([String], String)] = [
            (["--to", "/tmp"], "already exists"),
            (["--to", "/tmp/patchbay-backup-unused.sqlite", "--data-dir", "/nonexistent-patchbay"], "there is no database"),
            (["--to", "/tmp/x.sqlite", "--database-url", "postgres://localhost/x"], "pg_dump"),
        ]
        for (arguments, mention) in cases {
            let result = try await ServerProcess.runAsync(["backup"] + arguments)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.errors.contains(mention), "\(result.errors)")
        }
    }
}
