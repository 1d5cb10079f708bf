import Logging
import PatchbayCore
import PatchbayDelivery
import PatchbayStorage

/// The connectors runtime as the edge uses it: one token manager (so refreshes coalesce across every caller in
/// the process), the action runner and the authorization flow, all over the one guarded client.
public struct Connectors: Sendable {
    public let tokens: TokenManager
    public let runner: ActionRunner
    public let authorizer: OAuthAuthorizer

    public init(store: Store, client: GuardedHTTPClient, clock: any TimeSource, configuration: ConnectorConfiguration = .init(), logger: Logger) {
        tokens = TokenManager(store: store, client: client, clock: clock, configuration: configuration, logger: logger)
        runner = ActionRunner(client: client, tokens: tokens, configuration: configuration)
        authorizer = OAuthAuthorizer(store: store, tokens: tokens, clock: clock, configuration: configuration)
    }
}
