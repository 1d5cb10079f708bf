import Logging
import PatchbayCore
import PatchbayStorage
import ServiceLifecycle

/// Refreshes OAuth tokens in the background when their refresh is due (the buffer before expiry, or the custom
/// interval), so an installation that runs rarely does not find its refresh token expired, and a run rarely waits
/// for a refresh. Every instance may run it: the installation's refresh lease lets one of them refresh.
public struct TokenRefresher: Service {
    let store: Store
    let tokens: TokenManager
    let clock: any TimeSource
    let configuration: ConnectorConfiguration
    let logger: Logger

    public init(store: Store, connectors: Connectors, clock: any TimeSource, configuration: ConnectorConfiguration, logger: Logger) {
        self.store = store
        self.tokens = connectors.tokens
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        // Sleep first: at start-up the server migrates the database before it serves, and this runs beside that.
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let pause = Duration.milliseconds(configuration.refreshScanMillis)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            guard !Task.isCancelled, !Task.isShuttingDownGracefully else { break }
            await refreshDue()
        }
    }

    /// One pass: every installation due now, `refreshConcurrency` at a time, each within its own deadline, so one
    /// tenant's token endpoint that never answers does not hold the others' refreshes.
    func refreshDue() async {
        let due: [String]
        do {
            due = try await store.installations.dueForRefresh(now: clock.nowMillis, limit: 100)
        } catch {
            logger.warning("could not list installations due for a token refresh", metadata: ["pb.error": "\(error)"])
            return
        }
        guard !due.isEmpty else { return }
        await withDiscardingTaskGroup { group in
            var pending = due[...]
            // Each finished refresh frees a slot for the next one.
            let (freed, slot) = AsyncStream<Void>.makeStream()
            for id in pending.prefix(max(1, configuration.refreshConcurrency)) {
                group.addTask {
                    await self.refreshWithinDeadline(id)
                    slot.yield()
                }
            }
            pending = pending.dropFirst(max(1, configuration.refreshConcurrency))
            var slots = freed.makeAsyncIterator()
            while let id = pending.first, !Task.isShuttingDownGracefully, await slots.next() != nil {
                pending.removeFirst()
                group.addTask {
                    await self.refreshWithinDeadline(id)
                    slot.yield()
                }
            }
            slot.finish()
        }
    }

    private func refreshWithinDeadline(_ id: String) async {
        do {
            try await withThrowingTaskGroup(of: Void.self) { race in
                race.addTask { try await self.refresh(id) }
                race.addTask {
                    try await Task.sleep(for: .milliseconds(self.configuration.refreshDeadlineMillis))
                    throw PatchbayError(.gatewayTimeout, "the refresh took longer than \(self.configuration.refreshDeadlineMillis) ms")
                }
                defer { race.cancelAll() }
                try await race.next()
            }
        } catch {
            logger.notice("background token refresh failed", metadata: ["pb.installation": "\(id)", "pb.error": "\(error)"])
            try? await store.installations.postponeRefresh(of: id, until: clock.nowMillis.addingSaturating(configuration.refreshRetryMillis))
        }
    }

    private func refresh(_ id: String) async throws {
        guard let installation = try await store.installations.find(id: id),
            let api = try await store.actions.api(integrationId: installation.integrationId), api.settings.auth.type == .oauth2
        else { return }
        _ = try await tokens.accessToken(for: installation, auth: api.settings.auth)
    }
}
