import PatchbayTestSupport
import Testing

@testable import PatchbayStorage

@Suite struct DoorbellTests {
    /// Runs `body`, reporting whether it finished within `limit` (a hung wait fails the test instead of hanging it).
    /// Alone with respect to the CPU-heavy tests: on two cores they can starve a waiting task for seconds. The limit is
    /// generous for the same reason (CI once starved a ring's waiters past 5 s); the waits themselves last far longer,
    /// so a ring is still told apart from a timeout.
    static func finishes(within limit: Duration, _ body: @escaping @Sendable () async -> Void) async -> Bool {
        (try? await exclusively { await unguardedFinishes(within: limit, body) }) ?? false
    }

    static let limit = Duration.seconds(30)
    static let longWait = Duration.seconds(600)

    private static func unguardedFinishes(within limit: Duration, _ body: @escaping @Sendable () async -> Void) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await body()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    @Test func aRingWithNobodyWaitingIsKeptForTheNextWait() async {
        let bell = Doorbell()
        bell.ring()
        #expect(await Self.finishes(within: Self.limit) { await bell.wait(upTo: Self.longWait) })
    }

    @Test func aRingWakesEveryWaiter() async {
        let bell = Doorbell()
        let woken = await Self.finishes(within: Self.limit) {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<3 { group.addTask { await bell.wait(upTo: Self.longWait) } }
                // Ring once all three wait: a ring wakes those waiting, and a loaded machine may start one late.
                while bell.waiting < 3 { try? await Task.sleep(for: .milliseconds(5)) }
                bell.ring()
            }
        }
        #expect(woken)
    }

    @Test func theTimeoutWakesTheWaiter() async {
        let bell = Doorbell()
        let start = ContinuousClock.now
        await bell.wait(upTo: .milliseconds(50))
        #expect(ContinuousClock.now - start >= .milliseconds(50))
    }

    @Test func cancellingTheWaitingTaskWakesIt() async {
        let bell = Doorbell()
        let waiting = Task { await bell.wait(upTo: Self.longWait) }
        try? await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        #expect(await Self.finishes(within: Self.limit) { await waiting.value })
    }
}
