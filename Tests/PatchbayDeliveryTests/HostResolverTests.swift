import Foundation
import NIOPosix
import PatchbayCore
import PatchbayTestSupport
import Testing

@testable import PatchbayDelivery

/// A name server that never answers holds resolver threads only: look-ups give up at their deadline, past the cap
/// they fail at once, and NIO's shared pool (file I/O, other blocking work) stays free.
/// Serialized: the cap on look-ups in flight is process-wide.
@Suite(.serialized) struct HostResolverTests {
    static func stuck(_ seconds: Double) -> @Sendable (String) throws -> [IPAddress] {
        { _ in
            Thread.sleep(forTimeInterval: seconds)
            return [.v4(0x5DB8_D822)]
        }
    }

    @Test func aLookUpThatNeverAnswersEndsAtItsDeadline() async throws {
        // Timed: apart from the CPU-heavy tests, which would delay the waiting task's resumption.
        try await exclusively {
            // getaddrinfo would answer after 10 s (with an address: no error). The deadline is 200 ms; the margin is wide
            // because at the start of a test run hundreds of test cases queue on the pool's two threads, and the waiting
            // task resumes behind them (seen: 4.5–5.8 s).
            let resolver = SystemHostResolver(timeout: .milliseconds(200), lookUp: Self.stuck(10))
            let started = ContinuousClock.now
            await #expect(throws: DeliveryError.self) { try await resolver.resolve("never-answers.example") }
            #expect(ContinuousClock.now - started < .seconds(8), "the caller stops waiting at the deadline, not when getaddrinfo returns")
        }
    }

    @Test func stuckLookUpsLeaveTheSharedPoolFree() async throws {
        let resolver = SystemHostResolver(timeout: .seconds(1), lookUp: Self.stuck(3))
        try await exclusively { try await Self.crowdTheResolver(resolver) }
    }

    static func crowdTheResolver(_ resolver: SystemHostResolver) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<(2 * SystemHostResolver.threadCount) {
                group.addTask { _ = try? await resolver.resolve("stuck-\(index).example") }
            }
            try await Task.sleep(for: .milliseconds(100))
            // Every resolver thread is blocked for 3 s now; work on NIO's shared pool does not wait for them (on that pool,
            // eight stuck look-ups would hold its threads for 12 s). The margin allows for a busy machine.
            let started = ContinuousClock.now
            let answer = try await NIOThreadPool.singleton.runIfActive { 42 }
            #expect(answer == 42)
            #expect(ContinuousClock.now - started < .milliseconds(2_500))
            try await group.waitForAll()
        }
    }

    @Test func pastTheCapALookUpFailsAtOnce() async throws {
        let resolver = SystemHostResolver(timeout: .seconds(1), lookUp: Self.stuck(0.5))
        let refusals = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<(SystemHostResolver.maximumInFlight + 8) {
                group.addTask {
                    do {
                        _ = try await resolver.resolve("busy-\(index).example")
                        return false
                    } catch let error as DeliveryError {
                        return error.description.contains("too many look-ups")
                    }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(refusals >= 8)
    }
}
