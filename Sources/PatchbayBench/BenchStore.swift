import Foundation
import Logging
import PatchbayApp
import PatchbayCore
import PatchbayStorage

/// A fresh Patchbay for one measurement: SQLite in a temporary directory, opened, and the configuration
/// `buildApplication` takes (an ephemeral port, its own admin token). `remove()` deletes the directory.
struct BenchStore {
    let directory: String
    let configuration: PatchbayConfiguration
    let store: Store

    var adminToken: String { configuration.adminToken ?? "" }

    static func open(logger: Logger, allowPrivateTargets: Bool = false, runsDeliveries: Bool = true) async throws -> BenchStore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("patchbay-bench-\(UUID().uuidString)").path
        var configuration = PatchbayConfiguration()
        configuration.port = 0
        configuration.dataDirectory = directory
        configuration.allowPrivateTargets = allowPrivateTargets
        configuration.runsDeliveries = runsDeliveries
        configuration.adminToken = "pb_bench_admin_" + UUID().uuidString
        // The scenarios measure throughput with organization tokens and inbound URLs: no rate limits.
        configuration.rateLimit = 0
        configuration.inboundRateLimit = 0
        // PATCHBAY_BENCH_SQLITE_SYNCHRONOUS=normal measures the opt-out against the default (full).
        let synchronous = ProcessInfo.processInfo.environment["PATCHBAY_BENCH_SQLITE_SYNCHRONOUS"].flatMap(SQLiteSynchronous.init) ?? .full
        let store = try await Store.open(
            dataDirectory: directory, databaseURL: nil, secrets: try SecretBox(keyBytes: SecretBox.generateKey()),
            sqliteSynchronous: synchronous, logger: logger)
        return BenchStore(directory: directory, configuration: configuration, store: store)
    }

    /// `PATCHBAY_BENCH_KEEP=1` keeps the data directory (its path is printed) for a look with sqlite3.
    func remove() {
        if ProcessInfo.processInfo.environment["PATCHBAY_BENCH_KEEP"] == "1" {
            print("kept \(directory)")
            return
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
