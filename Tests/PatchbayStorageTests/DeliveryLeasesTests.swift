import Foundation
import Testing

@testable import PatchbayStorage

/// SQLite's delivery leases, kept in memory: one claimer per id until the lease ends or expires, and no id taken
/// from a snapshot older than the end of its lease.
@Suite struct DeliveryLeasesTests {
    @Test func aLeaseKeepsAnIdFromOtherClaimersUntilItExpires() {
        let leases = DeliveryLeases()
        let first = leases.beginRead(now: 0)
        #expect(first.leased.isEmpty)
        #expect(leases.take(["a", "b"], owner: "w", now: 0, until: 100, read: first) == ["a", "b"])
        let second = leases.beginRead(now: 50)
        #expect(second.leased.sorted() == ["a", "b"], "a read leaves out what is leased")
        #expect(leases.take(["a", "c"], owner: "v", now: 50, until: 150, read: second) == ["c"], "a leased id is not taken twice")
        // At 100 the first leases have run out: their ids are forgotten, and taken over.
        let third = leases.beginRead(now: 100)
        #expect(third.leased == ["c"])
        #expect(leases.take(["a"], owner: "v", now: 100, until: 200, read: third) == ["a"])
        #expect(leases.held(["a", "b", "c"], by: "v", now: 100) == ["a", "c"])
        #expect(leases.held(["a", "b", "c"], by: "w", now: 100).isEmpty)
    }

    @Test func anIdWhoseLeaseEndedDuringAReadIsRefusedToThatRead() {
        let leases = DeliveryLeases()
        let claim = leases.beginRead(now: 0)
        #expect(leases.take(["a"], owner: "w", now: 0, until: 1_000, read: claim) == ["a"])
        // A read begins, then the attempt is recorded and the lease ends: the read's snapshot may predate the record.
        let stale = leases.beginRead(now: 10)
        #expect(stale.leased == ["a"])
        leases.end(["a"])
        #expect(leases.take(["a"], owner: "v", now: 10, until: 1_000, read: stale).isEmpty, "the snapshot may show it due still")
        // A read that begins after the end sees the record: if the row is due again (a retry), it may be taken.
        let fresh = leases.beginRead(now: 20)
        #expect(fresh.leased.isEmpty)
        #expect(leases.take(["a"], owner: "v", now: 20, until: 1_000, read: fresh) == ["a"])
        #expect(leases.state.withLock { $0.ended.isEmpty && $0.reads.isEmpty }, "nothing is remembered once no read is under way")
    }

    @Test func endsAreRememberedOnlyWhileAnOlderReadIsUnderWay() {
        let leases = DeliveryLeases()
        // With no read under way an end leaves nothing behind.
        leases.end(["x"])
        #expect(leases.state.withLock { $0.ended.isEmpty })
        let older = leases.beginRead(now: 0)
        leases.end(["a"])
        let newer = leases.beginRead(now: 0)
        leases.end(["b"])
        leases.endRead(older)
        // Only `b` ended after the newer read began.
        #expect(leases.state.withLock { $0.ended.keys.sorted() } == ["b"])
        #expect(leases.take(["a", "b"], owner: "w", now: 0, until: 10, read: newer) == ["a"])
        #expect(leases.state.withLock { $0.ended.isEmpty && $0.reads.isEmpty })
    }

    @Test func releaseGivesBackOnlyTheOwnersLeases() {
        let leases = DeliveryLeases()
        _ = leases.take(["a", "b"], owner: "w", now: 0, until: 100, read: leases.beginRead(now: 0))
        _ = leases.take(["c"], owner: "v", now: 0, until: 50, read: leases.beginRead(now: 0))
        #expect(leases.release(["a", "c", "z"], owner: "w") == ["a"])
        #expect(leases.leased(["a", "b", "c"], now: 10) == ["b", "c"])
        // Expired but not yet forgotten: still the owner's, as a row would say until another instance claims it.
        #expect(leases.held(["b", "c"], by: "v", now: 60).isEmpty)
        #expect(leases.held(["b", "c"], by: "v", now: nil) == ["c"])
        #expect(leases.releaseAll(now: 60) == 1, "b is unexpired at 60, c is not")
        #expect(leases.count == 0)
    }

    @Test func concurrentClaimersTakeEachIdOnce() async {
        let leases = DeliveryLeases()
        let ids = (0..<500).map { "dlv_\($0)" }
        let taken = await withTaskGroup(of: [String].self) { group in
            for claimer in 0..<8 {
                group.addTask {
                    var mine: [String] = []
                    for chunk in stride(from: claimer * 7 % 50, to: ids.count, by: 50) {
                        let read = leases.beginRead(now: 0)
                        let window = Array(ids[chunk..<min(chunk + 120, ids.count)]).filter { !read.leased.contains($0) }
                        mine += leases.take(window, owner: "w\(claimer)", now: 0, until: 1_000, read: read)
                        // Recording ends leases while other claimers read.
                        if chunk % 100 == 0 { leases.end(["ended-\(claimer)-\(chunk)"]) }
                    }
                    return mine
                }
            }
            var all: [String] = []
            for await mine in group { all += mine }
            return all
        }
        #expect(taken.count == Set(taken).count, "no id was taken twice")
        #expect(leases.count == Set(taken).count)
        #expect(leases.state.withLock { $0.reads.isEmpty && $0.ended.isEmpty }, "every read finished, so no end is kept")
    }
}
