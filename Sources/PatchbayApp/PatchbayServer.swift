import Hummingbird
import Logging
import PatchbayConnectors
import PatchbayCore
import PatchbayDelivery
import PatchbayHTTP
import PatchbayStorage
import Prometheus
import ServiceLifecycle

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
        // Webhooks, token requests and action runs leave through the same guarded client.
        let connectors = Connectors(store: store, client: sender.client, clock: clock, configuration: configuration.connectors, logger: logger)
        let router = PatchbayRouter.build(
            store: store,
            clock: clock,
            settings: settings,
            registry: registry,
            sender: sender,
            connectors: connectors
        )
        var app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Patchbay"),
            services: [DatabaseService(driver: store.driver), SenderService(sender: sender)]
                + (configuration.runsDeliveries
                    ? [
                        DeliveryWorker(
                            store: store,
                            sender: sender,
                            retryPolicy: RetryPolicy(schedule: configuration.retrySchedule),
                            clock: clock,
                            configuration: deliveryConfiguration,
                            logger: logger
                        )
                    ] : []),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
        app.beforeServerStarts {
            let applied = try await Migrator(driver: store.driver).migrate(now: clock.nowMillis)
            if !applied.isEmpty { logger.info("applied migrations", metadata: ["pb.migrations": "\(applied)"]) }
            if store.driver.dialect == .sqlite {
                let released = try await store.deliveries.releaseAllLeases()
                if released > 0 { logger.warning("took over deliveries leased before a crash", metadata: ["pb.deliveries": "\(released)"]) }
            }
            if let token = try await AdminTokens.bootstrap(in: store, configuration: configuration, now: clock.nowMillis) {
                onAdminTokenCreated(token)
            }
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
