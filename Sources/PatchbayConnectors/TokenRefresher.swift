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

    /// One pass: every installation due now, one after another (a provider is not hit by a burst).
    func refreshDue() async {
        let due: [String]
        do {
            due = try await store.installations.dueForRefresh(now: clock.nowMillis, limit: 100)
        } catch {
            logger.warning("could not list installations due for a token refresh", metadata: ["pb.error": "\(error)"])
            return
        }
        for id in due where !Task.isShuttingDownGracefully {
            do {
                guard let installation = try await store.installations.find(id: id),
                    let api = try await store.actions.api(integrationId: installation.integrationId), api.settings.auth.type == .oauth2
                else { continue }
                _ = try await tokens.accessToken(for: installation, auth: api.settings.auth)
            } catch {
                logger.notice("background token refresh failed", metadata: ["pb.installation": "\(id)", "pb.error": "\(error)"])
                try? await store.installations.postponeRefresh(of: id, until: clock.nowMillis + configuration.refreshRetryMillis)
            }
        }
    }
}
