import Foundation
import Logging
import PatchbayCore
import PatchbayTestSupport
import Synchronization
import Testing

@testable import PatchbayStorage

/// The SQLite driver on SQLite's C API: values round-trip exactly, the statement cache never serves a stale plan,
/// errors keep their meaning, and a transaction's body runs on the writer's own thread.
@Suite struct SQLiteDriverTests {
    /// Where a transaction's body ran: on the writer's thread, or elsewhere.
    final class Placement: Sendable {
        private let seen = Mutex<Set<Bool>>([])
        var onWriter: Set<Bool> { seen.withLock { $0 } }
        func note(_ driver: SQLiteDriver) { seen.withLock { _ = $0.insert(driver.onWriterThread) } }
    }

    private func withDriver<T: Sendable>(_ body: @Sendable (SQLiteDriver) async throws -> T) async throws -> T {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let driver = try await SQLiteDriver.open(path: directory + "/test.sqlite", logger: TestDatabase.logger)
        return try await driver.withRunning { try await body(driver) }
    }

    /// A migrated store on a fresh file with one organization and one webhook, and `events` events published to it.
    private func withWebhook<T: Sendable>(
        events: Int = 0, _ body: @Sendable (SQLiteDriver, Store, Organization, Webhook) async throws -> T
    ) async throws -> T {
        try await withDriver { driver in
            _ = try await Migrator(driver: driver).migrate(now: 1)
            let store = Store(driver: driver, secrets: try TestDatabase.testSecrets())
            let org = try await Fixtures.storedOrganization(store)
            let webhook = Fixtures.webhook(in: org)
            try await store.webhooks.insert(webhook)
            for _ in 0..<events {
                _ = try await store.events.publish([Fixtures.event("thread.created", org)], organizationId: org.id, idempotency: nil)
            }
            return try await body(driver, store, org, webhook)
        }
    }

    @Test func valuesRoundTripExactly() async throws {
        try await withDriver { driver in
            _ = try await driver.query("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")
            let values: [SQLValue] = [
                .text(""), .text("a\u{0}b"), .text("é e\u{301} 🚀"), .null, .integer(.max), .integer(.min), .double(-0.5), .blob([]),
                .blob([0, 255, 0]),
            ]
            for (index, value) in values.enumerated() {
                _ = try await driver.query("INSERT INTO t (id, v) VALUES (\(Int64(index)), \(value))")
            }
            let rows = try await driver.query("SELECT id, v FROM t ORDER BY id")
            #expect(rows.map { $0.values["v"] } == values.map { Optional($0) })
            // An empty string stays a string (not NULL), and a NUL inside text does not cut it.
            #expect(try rows[0].optionalString("v") == "")
            #expect(try rows[1].string("v").utf8.count == 3)
        }
    }

    @Test func aCachedSelectSeesAColumnAddedLater() async throws {
        try await withDriver { driver in
            _ = try await driver.query("CREATE TABLE t (a INTEGER)")
            _ = try await driver.query("INSERT INTO t (a) VALUES (1)")
            let before = try await driver.transaction { try await $0.query("SELECT * FROM t") }
            #expect(before.first?.values.keys.sorted() == ["a"])
            _ = try await driver.query("ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x'")
            _ = try await driver.query("ALTER TABLE t RENAME COLUMN a TO c")
            // The same SQL, on the writer and on a reader: each sees the new columns, not the compiled statement's.
            let writer = try await driver.transaction { try await $0.query("SELECT * FROM t") }
            #expect(writer.first?.values.keys.sorted() == ["b", "c"])
            for _ in 0..<4 {
                let reader = try await driver.query("SELECT * FROM t")
                #expect(reader.first?.values.keys.sorted() == ["b", "c"])
            }
        }
    }

    @Test func constraintViolationsKeepTheirMeaningAndTheConnectionGoesOn() async throws {
        try await withDriver { driver in
            _ = try await driver.query("CREATE TABLE p (id TEXT PRIMARY KEY)")
            _ = try await driver.query("CREATE TABLE c (id TEXT PRIMARY KEY, p TEXT NOT NULL REFERENCES p(id), u TEXT UNIQUE)")
            _ = try await driver.query("INSERT INTO p (id) VALUES ('p1')")
            _ = try await driver.query("INSERT INTO c (id, p, u) VALUES ('c1', 'p1', 'u')")
            await #expect(throws: StorageError.uniqueViolation) { try await driver.query("INSERT INTO p (id) VALUES ('p1')") }
            await #expect(throws: StorageError.uniqueViolation) { try await driver.query("INSERT INTO c (id, p, u) VALUES ('c2', 'p1', 'u')") }
            await #expect(throws: StorageError.foreignKeyViolation) {
                try await driver.query("INSERT INTO c (id, p, u) VALUES ('c3', 'nope', 'v')")
            }
            // A failed statement inside a transaction rolls the whole transaction back.
            await #expect(throws: StorageError.uniqueViolation) {
                try await driver.transaction { connection in
                    _ = try await connection.query("INSERT INTO p (id) VALUES ('p2')")
                    _ = try await connection.query("INSERT INTO p (id) VALUES ('p1')")
                }
            }
            let ids = try await driver.query("SELECT id FROM p ORDER BY id").map { try $0.string("id") }
            #expect(ids == ["p1"])
            // A syntax error says what kind of failure it was, never the SQL.
            do {
                _ = try await driver.query("SELEC nonsense_column_name")
                Issue.record("a syntax error was accepted")
            } catch let error as StorageError {
                #expect(!error.description.contains("nonsense_column_name"))
            }
        }
    }

    @Test func manyDistinctStatementsStayCorrectPastTheCache() async throws {
        try await withDriver { driver in
            _ = try await driver.query("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            // More distinct statements than the cache holds, each run twice: evictions never serve the wrong plan.
            for round in 0..<2 {
                for index in 0..<(SQLiteHandle.cacheLimit + 40) {
                    let rows = try await driver.transaction { connection in
                        try await connection.query("SELECT \(unsafeRaw: String(index)) AS n, 'x\(unsafeRaw: String(index))' AS s")
                    }
                    #expect(try rows.first?.int("n") == Int64(index), "round \(round)")
                    #expect(try rows.first?.string("s") == "x\(index)")
                }
            }
            // A statement with more placeholders than are kept, and one that is only a comment.
            let many = (0..<40).map { "\(Int64($0))" as SQLQuery }
            let counted = try await driver.transaction { connection in
                try await connection.query("SELECT COUNT(*) AS n FROM t WHERE id IN (\(SQLQuery.joined(many, separator: ", ")))")
            }
            #expect(try counted.first?.int("n") == 0)
            #expect(try await driver.transaction { try await $0.query("-- nothing to run") }.isEmpty)
            // A statement too long to keep is compiled for its one use and still answers.
            let long = (0..<600).map { "(\(Int64($0)), 'v')" as SQLQuery }
            _ = try await driver.query("INSERT INTO t (id, v) VALUES \(SQLQuery.joined(long, separator: ", "))")
            #expect(try await driver.query("SELECT COUNT(*) AS n FROM t").first?.int("n") == 600)
        }
    }

    @Test func aTransactionRunsOnTheWritersThreadAndTransactionsNeverOverlap() async throws {
        try await withDriver { driver in
            _ = try await driver.query("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
            _ = try await driver.query("INSERT INTO counter (id, n) VALUES (1, 0)")
            let placement = Placement()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        try await driver.transaction { connection in
                            placement.note(driver)
                            let n = try await connection.query("SELECT n FROM counter WHERE id = 1").first?.int("n") ?? -1
                            // A suspension inside the body: the next transaction must still wait for this one.
                            await Task.yield()
                            placement.note(driver)
                            _ = try await connection.query("UPDATE counter SET n = \(n + 1) WHERE id = 1")
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await driver.query("SELECT n FROM counter WHERE id = 1").first?.int("n") == 50)
            #expect(placement.onWriter == [true])
            #expect(!driver.onWriterThread)
        }
    }

    private static func makeDirectory() throws -> String {
        let directory = TestDatabase.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func callersAreBackOnTheirOwnThreadsAfterEachKindOfCall() async throws {
        try await withDriver { driver in
            _ = try await driver.query("CREATE TABLE t (a INTEGER)")
            #expect(!driver.onAnyOfItsThreads, "after a write")
            _ = try await driver.query("SELECT a FROM t")
            #expect(!driver.onAnyOfItsThreads, "after a read")
            try await driver.transaction { connection in
                _ = try await connection.query("INSERT INTO t (a) VALUES (1)")
            }
            #expect(!driver.onAnyOfItsThreads, "after a transaction")
            // What runs after a call is the caller's work, which must not hold up the next statement.
            for _ in 0..<20 {
                _ = try await driver.query("SELECT a FROM t")
                #expect(!driver.onAnyOfItsThreads)
            }
        }
    }

    /// A read, and the reader whose thread the caller is on once it returns.
    private static func readAndPlace(_ driver: SQLiteDriver) async throws -> Int? {
        _ = try await driver.query("SELECT a FROM t")
        return driver.currentReader
    }

    @Test func readsInsideReadingShareOneReadersThreadChildTasksToo() async throws {
        try await withDriver { driver in
            _ = try await driver.query("CREATE TABLE t (a INTEGER)")
            var pinned: Set<Int?> = []
            for round in 0..<4 {
                let placements = try await driver.reading {
                    async let first = Self.readAndPlace(driver)
                    async let second = Self.readAndPlace(driver)
                    let own = try await Self.readAndPlace(driver)
                    // A write inside still goes to the writer, and the body comes back to the reader after it.
                    _ = try await driver.query("INSERT INTO t (a) VALUES (\(Int64(round)))")
                    return [try await first, try await second, own, driver.currentReader]
                }
                #expect(Set(placements).count == 1 && placements[0] != nil, "\(placements)")
                pinned.insert(placements[0])
                #expect(!driver.onAnyOfItsThreads, "after reading")
            }
            // Readers are taken in turn, and the writes all landed.
            #expect(pinned.count == 2)
            #expect(try await driver.query("SELECT COUNT(*) AS n FROM t").first?.int("n") == 4)
        }
    }

    @Test func anotherDriversReadsInsideReadingAreNotPinnedToThisOnesReader() async throws {
        try await withDriver { driver in
            try await withDriver { other in
                _ = try await other.query("CREATE TABLE t (a INTEGER)")
                _ = try await other.query("INSERT INTO t (a) VALUES (7)")
                let value = try await driver.reading { try await other.query("SELECT a FROM t").first?.int("a") }
                #expect(value == 7)
            }
        }
    }

    @Test func aTextThatDiffersOnlyInItsUnicodeFormIsNotServedAnothersStatement() async throws {
        try await withDriver { driver in
            // The same SQL to Swift's `==` (canonically equivalent), different bytes to SQLite.
            // Both on the writer (in transactions), whose statements are kept: the second must not reuse the first's.
            let precomposed = try await driver.transaction { try await $0.query("SELECT '\(unsafeRaw: "\u{E9}")' AS s") }.first?.string("s")
            let combining = try await driver.transaction { try await $0.query("SELECT '\(unsafeRaw: "e\u{301}")' AS s") }.first?.string("s")
            let again = try await driver.transaction { try await $0.query("SELECT '\(unsafeRaw: "\u{E9}")' AS s") }.first?.string("s")
            #expect(precomposed.map { Array($0.utf8) } == [0xC3, 0xA9])
            #expect(combining.map { Array($0.utf8) } == [0x65, 0xCC, 0x81])
            #expect(again.map { Array($0.utf8) } == [0xC3, 0xA9])
        }
    }

    /// SQLite compiles a kept statement again inside `step` once it is marked expired, and `sqlite3_clear_bindings`
    /// marked every statement whose plan may depend on a bound value (an equality in a join or a subquery): the run
    /// endpoint's reads, the claim's window and the publish's webhook query were compiled on every run.
    @Test func keptStatementsAreNotCompiledAgainWhenRebound() async throws {
        try await withWebhook { driver, store, org, webhook in
            // Each statement runs once to be compiled, then with other values.
            for round in 0..<4 {
                let baseline = try await driver.recompilations()
                let id = "\(round)"
                _ = try await store.actions.find(id: "act_" + id, installationId: "ins_" + id)
                _ = try await store.actions.api(installationId: "ins_" + id)
                _ = try await store.installations.findWithSecrets(id: "ins_" + id, in: Tenant(organizationId: org.id))
                _ = try await store.organizations.find(id: "org_" + id)
                _ = try await store.tokens.findForAuthentication(secretHash: "hash" + id)
                _ = try await store.events.publish([Fixtures.event("thread.created", org)], organizationId: org.id, idempotency: nil)
                let claimed = try await store.deliveries.claimDue(
                    owner: "w" + id, now: 10_000 + Int64(round), leaseMillis: 1_000, limit: 10, busyWebhooks: [])
                #expect(claimed.count == 1)
                _ = try await store.deliveries.envelopes(claimed.flatMap(\.eventIds))
                _ = try await store.webhooks.find(ids: [webhook.id, "wh_" + id])
                let recompiled = try await driver.recompilations() - baseline
                if round > 0 { #expect(recompiled == 0, "round \(round) compiled \(recompiled) kept statements again") }
            }
        }
    }

    /// The group commit writes its rows in chunks of fixed sizes and the claim reads its envelopes through one bound
    /// JSON array, so after the first few commits no batch size compiles a statement: one multi-row statement per
    /// batch was a new text, parsed and planned, at every commit. A delivery deleted meanwhile is still skipped.
    @Test func groupCommitsAndEnvelopeReadsOfAnySizeCompileNothing() async throws {
        try await withWebhook(events: 80) { driver, store, _, webhook in
            let claimed = try await store.deliveries.claimDue(owner: "w", now: 10_000, leaseMillis: 60_000, limit: 80, busyWebhooks: [])
            #expect(claimed.count == 80)
            func completions(_ deliveries: ArraySlice<Delivery>) -> [DeliveryCompletion] {
                deliveries.enumerated().map { index, delivery in
                    let attempt = DeliveryAttempt(
                        id: Identifier.make(.attempt, nowMillis: 10_100), deliveryId: delivery.id, sentAt: 10_100 + Int64(index), url: webhook.url,
                        statusCode: 204, result: .success, durationMs: 1, requestHeaders: ["webhook-id": delivery.id], requestBody: "{}",
                        responseHeaders: [:], responseBody: nil, error: nil)
                    return DeliveryCompletion(delivery: delivery, attempt: attempt, status: .succeeded, nextAttemptAt: nil, webhookState: .active)
                }
            }
            // Warm-up: a batch of 21 uses every chunk size (16, 4, 1) once; the envelope read is compiled once per reader.
            #expect(try await store.deliveries.complete(completions(claimed[0..<21])).isEmpty)
            for count in 1...4 { _ = try await store.deliveries.envelopes(claimed[0..<count].flatMap(\.eventIds)) }  // on each reader
            // A delivery whose row went away meanwhile (its webhook was deleted) is skipped and named.
            let removed = claimed[30]
            _ = try await driver.query("DELETE FROM deliveries WHERE id = \(removed.id)")
            let baseline = try await driver.compilations()
            let envelopes = try await store.deliveries.envelopes(claimed[21..<58].flatMap(\.eventIds))
            #expect(envelopes.count == 37)
            #expect(try await store.deliveries.complete(completions(claimed[21..<58])) == [removed.id])
            #expect(try await store.deliveries.complete(completions(claimed[58..<80])).isEmpty)
            let compiled = try await driver.compilations() - baseline
            #expect(compiled == 0, "batches of 37 and 22 compiled \(compiled) statements")

            let statuses = try await driver.query("SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status")
            let status = try statuses.first?.string("status")
            let count = try statuses.first?.int("n")
            #expect(statuses.count == 1 && status == "succeeded" && count == 79)
            let attempts = try await driver.query("SELECT delivery_id FROM delivery_attempts")
            #expect(Set(try attempts.map { try $0.string("delivery_id") }) == Set(claimed.map(\.id)).subtracting([removed.id]))
            #expect(attempts.count == 79, "one attempt each")
            #expect(try await store.webhooks.find(id: webhook.id)?.lastTriggeredAt == 10_100 + 21, "the batch's latest attempt")
        }
    }

    /// The writer keeps statement journals in memory: on disk, a group commit's journal spilled past 64 KiB to a
    /// temporary file created and deleted at every commit.
    @Test func theWriterKeepsStatementJournalsInMemory() async throws {
        try await withDriver { driver in
            let mode = try await driver.transaction { try await $0.query("PRAGMA temp_store") }.first?.int("temp_store")
            #expect(mode == 2, "2 is MEMORY")
        }
    }

    /// Bindings are not cleared between runs, so a run must bind every parameter: a value left out would be the
    /// previous run's, not NULL. Fewer or more values than placeholders are refused before the statement runs.
    @Test func aRunThatDoesNotBindEveryParameterIsRefused() async throws {
        try await withDriver { driver in
            _ = try await driver.query("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            _ = try await driver.query("INSERT INTO t (v) VALUES (\("kept"))")
            await #expect(throws: StorageError.self) { try await driver.query(SQLQuery(stringLiteral: "SELECT v FROM t WHERE v = ?")) }
            await #expect(throws: StorageError.self) { try await driver.query("SELECT v FROM t WHERE v = \("kept") AND ?") }
            // The same kept statement, rebound: each run sees its own value.
            for value in ["kept", "other", "kept"] {
                let rows = try await driver.query("SELECT v FROM t WHERE v = \(value)")
                #expect(try rows.map { try $0.string("v") } == (value == "kept" ? ["kept"] : []))
            }
            // A large value is let go after its run; the statement still takes the next value.
            let large = String(repeating: "x", count: 10_000)
            #expect(try await driver.query("SELECT length(\(large)) AS n").first?.int("n") == 10_000)
            #expect(try await driver.query("SELECT length(\("ab")) AS n").first?.int("n") == 2)
        }
    }

    @Test func aClosedDriverAnswersWithAnErrorAndNeverHangs() async throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let driver = try await SQLiteDriver.open(path: directory + "/test.sqlite", logger: TestDatabase.logger)
        try await driver.withRunning { _ = try await driver.query("CREATE TABLE t (a INTEGER)") }
        // `withRunning` cancelled the driver's run, which closed every connection and stopped their threads.
        await #expect(throws: StorageError.self) { try await driver.query("INSERT INTO t (a) VALUES (1)") }
        await #expect(throws: StorageError.self) { try await driver.query("SELECT a FROM t") }
        await #expect(throws: StorageError.self) { try await driver.transaction { try await $0.query("SELECT 1 AS one") } }
    }

    @Test func anUnopenableFileIsUnavailableWithItsPath() async throws {
        let path = "/proc/patchbay-no-such-dir/test.sqlite"
        await #expect {
            _ = try await SQLiteDriver.open(path: path, logger: TestDatabase.logger)
        } throws: { error in
            guard case .unavailable(let reason) = error as? StorageError else { return false }
            return reason.contains(path)
        }
    }

    /// One process uses a SQLite file, so a claim's leases are kept in memory: the claim only reads. It changes no
    /// row and does not wait for the writer; recording the attempt ends the lease; a lease that runs out lets
    /// another claimer take the delivery.
    @Test func aClaimWritesNothingAndDoesNotWaitForTheWriter() async throws {
        try await withWebhook(events: 3) { driver, store, _, webhook in
            let columns = "SELECT id, lease_owner, lease_expires_at, next_attempt_at, updated_at FROM deliveries ORDER BY id" as SQLQuery
            let before = try await driver.query(columns).map(\.values)

            // The writer is held by a transaction that waits; the claim still answers.
            let (released, release) = AsyncStream<Void>.makeStream()
            let (hasEntered, entered) = AsyncStream<Void>.makeStream()
            let holder = Task {
                try await driver.transaction { _ in
                    entered.yield()
                    for await _ in released { break }
                }
            }
            var waiting = hasEntered.makeAsyncIterator()
            _ = await waiting.next()
            let claimed = try await withThrowingTaskGroup(of: [Delivery]?.self) { group in
                group.addTask { try await store.deliveries.claimDue(owner: "a", now: 10_000, leaseMillis: 1_000, limit: 10, busyWebhooks: []) }
                group.addTask {
                    try await Task.sleep(for: .seconds(10))
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
            release.finish()
            try await holder.value
            let leased = try #require(claimed, "the claim waited for the writer")
            #expect(leased.count == 3 && leased.allSatisfy { $0.nextAttemptAt == 11_000 }, "due again when the lease ends")
            #expect(try await driver.query(columns).map(\.values) == before, "the claim changed no row")

            #expect(try await store.deliveries.claimDue(owner: "b", now: 10_500, leaseMillis: 1_000, limit: 10, busyWebhooks: []).isEmpty)
            let attempt = DeliveryAttempt(
                id: Identifier.make(.attempt, nowMillis: 10_600), deliveryId: leased[0].id, sentAt: 10_600, url: webhook.url, statusCode: 204,
                result: .success, durationMs: 1, requestHeaders: [:], requestBody: "{}", responseHeaders: [:], responseBody: nil, error: nil)
            try await store.deliveries.complete(leased[0], attempt: attempt, status: .succeeded, nextAttemptAt: nil, webhookState: .active)
            #expect(driver.deliveryLeases?.leased(leased.map(\.id), now: 10_600) == Set(leased.dropFirst().map(\.id)), "recording ends the lease")
            // The other two leases run out at 11,000 and are taken over; the recorded one is not due.
            let takenOver = try await store.deliveries.claimDue(owner: "b", now: 11_000, leaseMillis: 1_000, limit: 10, busyWebhooks: [])
            #expect(takenOver.map(\.id) == leased.dropFirst().map(\.id))
            // A restart forgets every lease, as a crash would.
            #expect(try await store.deliveries.releaseAllLeases(now: 11_100) == 2)
            #expect(try await store.deliveries.claimDue(owner: "c", now: 11_100, leaseMillis: 1_000, limit: 10, busyWebhooks: []).count == 2)
        }
    }

    /// A postponed delivery (its webhook's rate limit was spent) is not due before its time, even to a claim that
    /// began reading before the postponement; a delivery being sent is not requeued; a pending delivery removed by
    /// retention is not taken by a claim whose snapshot predates the removal.
    @Test func postponedRequeuedAndRemovedDeliveriesAreNotTakenEarly() async throws {
        try await withWebhook(events: 3) { driver, store, _, webhook in
            let leases = try #require(driver.deliveryLeases)
            let claimed = try await store.deliveries.claimDue(owner: "a", now: 10_000, leaseMillis: 1_000, limit: 2, busyWebhooks: [])
            #expect(claimed.count == 2)
            let (postponed, sending) = (claimed[0], claimed[1])

            let before = leases.beginRead(now: 10_100)
            try await store.deliveries.postpone([postponed.id], until: 20_000, owner: "a")
            #expect(leases.take([postponed.id], owner: "b", now: 10_100, until: 11_100, read: before).isEmpty, "a stale snapshot shows it due")
            #expect(try await store.deliveries.requeue([sending], now: 10_200).isEmpty, "a delivery being sent is left as it is")
            // At 11,000 the other lease has run out: it is taken over, the postponed one is not due yet.
            let takenOver = try await store.deliveries.claimDue(owner: "b", now: 11_000, leaseMillis: 1_000, limit: 10, busyWebhooks: [])
            #expect(Set(takenOver.map(\.id)) == Set([sending.id]).union(try await Self.unclaimed(store, webhook, except: claimed)))
            let early = try await store.deliveries.claimDue(owner: "c", now: 19_999, leaseMillis: 1_000, limit: 10, busyWebhooks: [])
            #expect(early.count == 2 && !early.contains { $0.id == postponed.id })
            let due = try await store.deliveries.claimDue(owner: "d", now: 20_000, leaseMillis: 1_000, limit: 10, busyWebhooks: [])
            #expect(due.map(\.id) == [postponed.id])

            // Retention removes the pending ones while a claim is reading.
            let reading = leases.beginRead(now: 30_000)
            _ = leases.releaseAll(now: 30_000)
            let removed = try await store.retention.purgeBatch(before: .max, idempotencyBefore: 0, batchSize: 100)
            #expect(removed.deliveries == 3)
            #expect(leases.take(claimed.map(\.id), owner: "d", now: 30_000, until: 31_000, read: reading).isEmpty)
        }
    }

    private static func unclaimed(_ store: Store, _ webhook: Webhook, except claimed: [Delivery]) async throws -> Set<String> {
        let all = try await store.deliveries.list(of: webhook, status: nil, ListRequest(limit: 10)).items.map(\.id)
        return Set(all).subtracting(claimed.map(\.id))
    }
}
