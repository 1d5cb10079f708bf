import Foundation
import PatchbayConnectors
import PatchbayCore
import PatchbayDelivery
import PatchbayStorage
import PatchbayTestSupport
import Testing

/// Two Patchbay instances (two connector runtimes, each with its own database pool on PostgreSQL) run 50 actions at
/// once for one installation whose access token has expired: the provider sees exactly one refresh. With rotating
/// refresh tokens a second refresh would fail with invalid_grant, so this also proves nobody refreshed twice.
@Suite struct TokenRefreshAcrossInstancesTests {
    @Test(arguments: [StoreKind.sqlite, .postgres])
    func fiftyConcurrentRunsOnTwoInstancesRefreshOnce(kind: StoreKind) async throws {
        if kind == .postgres, TestDatabase.postgresURL == nil {
            #expect(!TestDatabase.isCI, "CI must run the PostgreSQL tests")
            return
        }
        let clock = ManualTimeSource(nowMillis: SystemTimeSource().nowMillis)
        let server = OAuthTestServer(clock: clock)
        let secrets = try TestDatabase.testSecrets()
        let first: Store
        let second: Store
        let cleanup: @Sendable () async -> Void
        switch kind {
        case .sqlite:
            // One SQLite file has one writer; the two runtimes still coordinate only through the lease in it.
            let (store, remove) = try await TestDatabase.openStore(.sqlite)
            (first, second, cleanup) = (store, store, remove)
        case .postgres:
            let (name, url) = try await TestDatabase.createPostgresDatabase()
            first = Store(driver: try PostgresDriver(url: url, maximumConnections: 8, logger: TestDatabase.logger), secrets: secrets)
            second = Store(driver: try PostgresDriver(url: url, maximumConnections: 8, logger: TestDatabase.logger), secrets: secrets)
            cleanup = { try? await TestDatabase.dropPostgresDatabase(name) }
        }
        let client = GuardedHTTPClient(policy: AddressPolicy(allowPrivateTargets: true), resolver: OfflineResolver())
        do {
            try await Self.runInstances(kind, first, second, server: server, client: client, clock: clock)
        } catch {
            await client.shutdown()
            await cleanup()
            throw error
        }
        await client.shutdown()
        await cleanup()
    }

    static func runInstances(
        _ kind: StoreKind, _ first: Store, _ second: Store, server: OAuthTestServer, client: GuardedHTTPClient, clock: ManualTimeSource
    ) async throws {
        try await server.run { port in
            if kind == .sqlite {
                try await first.driver.withRunning {
                    try await Self.exercise(first, second, port: port, server: server, client: client, clock: clock)
                }
            } else {
                try await first.driver.withRunning {
                    try await second.driver.withRunning {
                        try await Self.exercise(first, second, port: port, server: server, client: client, clock: clock)
                    }
                }
            }
        }
    }

    static func exercise(
        _ first: Store, _ second: Store, port: Int, server: OAuthTestServer, client: GuardedHTTPClient, clock: ManualTimeSource
    ) async throws {
        _ = try await Migrator(driver: first.driver).migrate(now: clock.nowMillis)
        let (installation, action, api) = try await seed(first, port: port, server: server, clock: clock)
        server.setTokenDelay(300)
        var configuration = ConnectorConfiguration()
        configuration.refreshPollMillis = 20
        let instances = [first, second].map {
            Connectors(store: $0, client: client, clock: clock, configuration: configuration, logger: TestDatabase.logger)
        }
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<50 {
                let runtime = instances[index % 2]
                let store = index % 2 == 0 ? first : second
                group.addTask {
                    let credentials = try await store.installations.secrets(of: installation.id)?.credentials ?? .init()
                    return try await runtime.runner.run(
                        action, api: api, installation: installation, credentials: credentials, request: ActionRunRequest(input: ActionInput())
                    ).status
                }
            }
            var statuses: [Int] = []
            for try await status in group { statuses.append(status) }
            return statuses
        }
        #expect(statuses.count == 50 && statuses.allSatisfy { $0 == 200 }, "\(statuses)")
        #expect(server.grants("refresh_token") == 1, "one refresh for 50 runs on two instances")
        let stored = try await second.installations.find(id: installation.id)
        #expect(stored?.state == .ready && (stored?.tokenExpiresAt ?? 0) > clock.nowMillis)
    }

    /// An authorized OAuth integration with one action, and an installation whose access token expired.
    static func seed(_ store: Store, port: Int, server: OAuthTestServer, clock: ManualTimeSource) async throws
        -> (Installation, ActionDefinition, IntegrationAPI)
    {
        let now = clock.nowMillis
        var auth = APISettings.Auth(type: .oauth2)
        auth.grantType = .authorizationCode
        auth.authorizationUrl = "http://127.0.0.1:\(port)/authorize"
        auth.tokenUrl = "http://127.0.0.1:\(port)/token"
        let api = IntegrationAPI(
            settings: APISettings(baseUrl: "http://127.0.0.1:\(port)", auth: auth, pagination: .init(type: .none)), definitions: [:], source: nil)
        let definition = ActionDefinition(
            name: "Me", operationId: nil, description: "", method: "GET", path: "/api/me", parameters: [], requestBody: nil, responseSchema: nil,
            paginated: false)
        let options = server.options
        let (installation, _) = try await ConnectorSeed.install(
            in: store, api: api, actions: [definition],
            credentials: ConnectorCredentials(clientId: options.clientId, clientSecret: options.clientSecret),
            tokens: OAuthTokens(
                accessToken: "expired", refreshToken: server.issueRefreshToken(), expiresAt: now - 1_000, obtainedAt: now - 3_601_000),
            now: now)
        return (installation, definition, api)
    }
}
