import Logging
import PatchbayServices
import PatchbayStorage
import ServiceLifecycle

/// Reads the database's authentication epoch every `interval` and hands it to the principal cache, so a token
/// revoked through another instance (or the CLI) stops working here within that interval.
struct AuthenticationEpochPoller: Service {
    let store: Store
    let cache: PrincipalCache
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                cache.observe(epoch: try await store.tokens.authenticationEpoch())
            } catch {
                // Entries still die after the cache's lifetime; an unreachable database is reported elsewhere.
                logger.debug("could not read the authentication epoch", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
