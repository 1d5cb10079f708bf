import Foundation
import Hummingbird
import Logging
import PatchbayConnectors
import PatchbayConsole
import PatchbayCore
import PatchbayDelivery
import PatchbayHTTP
import PatchbayServices
import PatchbayStorage
import Prometheus
import ServiceLifecycle
import Synchronization

/// Wiring: the store, the router and the services of one Patchbay server.
public enum PatchbayServer {
    /// Builds the application. The database driver runs as the first service (and so stops last); migrations
    /// and the first admin token happen before the server accepts connections.
    public static func buildApplication(
        configuration: PatchbayConfiguration,
        store: Store,
        clock: any TimeSource = SystemTimeSource(),
        resolver: any HostResolver = SystemHostResolver(),
        deliveryConfiguration: DeliveryWorker.Configuration = .init(),
        logger: Logger,
        onAdminTokenCreated: @escaping @Sendable (String) -> Void = { _ in },
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let registry = PrometheusCollectorRegistry()
        let sender = WebhookSender(policy: AddressPolicy(allowPrivateTargets: configuration.allowPrivateTargets), resolver: resolver, clock: clock)
        var settings = HTTPSettings(
            maxBodyBytes: configuration.maxBodyBytes,
            environmentAdminToken: configuration.adminToken,
            allowPrivateTargets: configuration.allowPrivateTargets
        )
        settings.maxDocumentBytes = configuration.maxDocumentBytes
        settings.publicURL = configuration.publicURL
        settings.rateLimit = configuration.rateLimit
        settings.inboundRateLimit = configuration.inboundRateLimit
        settings.maxDocumentParses = configuration.maxDocumentParses
        settings.commandTimeoutMillis = configuration.commandTimeoutMillis
        // Webhooks, token requests and action runs leave through the same guarded client.
        let connectors = Connectors(store: store, client: sender.client, clock: clock, configuration: configuration.connectors, logger: logger)
        let services = Services(
            store: store, clock: clock, addressPolicy: AddressPolicy(allowPrivateTargets: configuration.allowPrivateTargets),
            handshake: WebhookHandshake(sender: sender, store: store, clock: clock), caller: EndpointCaller(sender: sender, clock: clock),
            connectors: connectors, environmentAdminToken: configuration.adminToken, maxDocumentParses: configuration.maxDocumentParses)
        let console = Console(
            services: services,
            settings: ConsoleSettings(
                publicURL: configuration.publicURL, frameAncestors: configuration.consoleFrameAncestors,
                resourcesPath: configuration.consoleResourcesPath, maxDocumentBytes: configuration.maxDocumentBytes))
        let router = PatchbayRouter.build(
            store: store,
            clock: clock,
            settings: settings,
            registry: registry,
            sender: sender,
            connectors: connectors,
            services: services,
            beforeAuthentication: { console.register(on: $0) }
        )
        // Workers wait until the database is migrated (the server's start-up does that beside them).
        let startup = StartupGate()
        var app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Patchbay"),
            services: [
                DatabaseService(driver: store.driver), SenderService(sender: sender),
                AfterStartup(
                    gate: startup,
                    service: TokenRefresher(
                        store: store, connectors: connectors, clock: clock, configuration: configuration.connectors, logger: logger)),
                AfterStartup(
                    gate: startup, service: AuthenticationEpochPoller(store: store, cache: services.principals, interval: .seconds(1), logger: logger)
                ),
                AfterStartup(
                    gate: startup,
                    service: RetentionService(
                        store: store, policy: configuration.retention, clock: clock, registry: registry, logger: logger,
                        passIntervalMillis: configuration.retentionPassMillis)),
            ]
                + (configuration.runsDeliveries
                    ? [
                        AfterStartup(
                            gate: startup,
                            service: DeliveryWorker(
                                store: store,
                                sender: sender,
                                retryPolicy: RetryPolicy(schedule: configuration.retrySchedule),
                                clock: clock,
                                configuration: deliveryConfiguration,
                                logger: logger
                            ))
                    ] : []),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
        app.beforeServerStarts {
            let applied = try await Migrator(driver: store.driver).migrate(now: clock.nowMillis)
            if !applied.isEmpty { logger.info("applied migrations", metadata: ["pb.migrations": "\(applied)"]) }
            if store.driver.dialect == .sqlite {
                let released = try await store.deliveries.releaseAllLeases(now: clock.nowMillis)
                if released > 0 { logger.warning("took over deliveries leased before a crash", metadata: ["pb.deliveries": "\(released)"]) }
            }
            if let token = try await AdminTokens.bootstrap(in: store, configuration: configuration, now: clock.nowMillis) {
                onAdminTokenCreated(token)
            }
            startup.open()
        }
        return app
    }
}

/// Runs the database driver inside the service group.
struct DatabaseService: Service {
    let driver: any DatabaseDriver

    func run() async throws { try await driver.run() }
}

/// Closes the sender's pooled connections on shutdown (before the database, which started first).
struct SenderService: Service {
    let sender: WebhookSender

    func run() async throws {
        try? await gracefulShutdown()
        await sender.shutdown()
    }
}

/// Opens once start-up (migrations, lease take-over) is done; services behind it wait until then. Waiting ends
/// early when the waiting task is cancelled (a failed start-up cancels the group, and must not hang it).
final class StartupGate: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Bool in
                    if state.isOpen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}

/// Runs `service` once the start-up gate opens (or not at all if the group stops first).
struct AfterStartup<Wrapped: Service>: Service {
    let gate: StartupGate
    let service: Wrapped

    func run() async throws {
        await cancelWhenGracefulShutdown { await gate.wait() }
        guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
        try await service.run()
    }
}
