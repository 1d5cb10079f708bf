import Logging
import PatchbayCore
import PatchbayStorage
import PatchbayTestSupport
import Testing

@testable import PatchbayDelivery

/// A cancelled delivery worker's lanes may still finish a send after its completion recorder has returned: what they
/// hand over then must be refused at once, never left waiting for a write that will not come (which held the whole
/// worker, and the server's shutdown with it).
@Suite struct CompletionRecorderTests {
    @Test(.timeLimit(.minutes(1)))
    func aCompletionAfterTheRecorderReturnedFailsAtOnce() async throws {
        let (store, cleanup) = try await TestDatabase.openStore(.sqlite)
        try await store.driver.withRunning { try await Self.exercise(store) }
        await cleanup()
    }

    static func exercise(_ store: Store) async throws {
        let recorder = CompletionRecorder(store: store, logger: Logger(label: "test"))
        let running = Task { await recorder.run() }
        running.cancel()
        // Idle and cancelled: it returns.
        await running.value

        let delivery = Delivery(
            id: "dlv_test", webhookId: "wh_test", organizationId: "org_test", eventIds: ["evt_test"], status: .pending, attemptCount: 0,
            nextAttemptAt: 0, lastAttemptAt: nil, createdAt: 0)
        let attempt = DeliveryAttempt(
            id: "att_test", deliveryId: delivery.id, sentAt: 0, url: "http://127.0.0.1:1/", statusCode: nil, result: .error, durationMs: 0,
            requestHeaders: [:], requestBody: "", responseHeaders: [:], responseBody: nil, error: "cancelled", signedWith: [])
        await #expect(throws: CancellationError.self) {
            try await recorder.record(
                DeliveryCompletion(delivery: delivery, attempt: attempt, status: .retrying, nextAttemptAt: 1, webhookState: .failing))
        }
    }
}
