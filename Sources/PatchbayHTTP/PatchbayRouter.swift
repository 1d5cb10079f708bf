import Hummingbird
import PatchbayConnectors
import PatchbayCore
import PatchbayDelivery
import PatchbayServices
import PatchbayStorage
import Prometheus

/// Builds the router of the whole HTTP API.
public enum PatchbayRouter {
    public static func build(
        store: Store,
        clock: any TimeSource,
        settings: HTTPSettings,
        registry: PrometheusCollectorRegistry,
        sender: WebhookSender,
        connectors: Connectors,
        services: Services? = nil,
        beforeAuthentication: (Router<PatchbayRequestContext>) -> Void = { _ in }
    ) -> Router<PatchbayRequestContext> {
        let services =
            services
            ?? Services(
                store: store, clock: clock, addressPolicy: AddressPolicy(allowPrivateTargets: settings.allowPrivateTargets),
                handshake: WebhookHandshake(sender: sender, store: store, clock: clock), caller: EndpointCaller(sender: sender, clock: clock),
                connectors: connectors, environmentAdminToken: settings.environmentAdminToken, maxDocumentParses: settings.maxDocumentParses)
        let dependencies = APIDependencies(services: services, settings: settings)
        let router = Router(context: PatchbayRequestContext.self)
        router.add(middleware: MetricsMiddleware(registry: registry))
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: BodyLimitMiddleware(maxBodyBytes: settings.maxBodyBytes))
        SystemController(dependencies: dependencies, registry: registry).register(on: router)
        let installations = InstallationsController(dependencies: dependencies)
        installations.registerPublic(on: router)
        let inboundLimiter = settings.inboundRateLimit > 0 ? RateLimiter(rate: settings.inboundRateLimit, burst: 2 * settings.inboundRateLimit) : nil
        InboundReceiver(dependencies: dependencies, limiter: inboundLimiter).register(on: router)
        let commands = CommandsController(dependencies: dependencies)
        commands.registerPublic(on: router)
        // The console authenticates its own visitors (sessions), so it is mounted before the API's bearer tokens.
        beforeAuthentication(router)
        // Everything registered after this line needs a token.
        router.add(middleware: AuthenticationMiddleware(services: services))
        if settings.rateLimit > 0 {
            router.add(middleware: RateLimitMiddleware(limiter: RateLimiter(rate: settings.rateLimit, burst: 2 * settings.rateLimit), clock: clock))
        }
        OrganizationsController(dependencies: dependencies).register(on: router)
        UsersController(dependencies: dependencies).register(on: router)
        TokensController(dependencies: dependencies).register(on: router)
        ConsoleLinksController(dependencies: dependencies).register(on: router)
        IntegrationsController(dependencies: dependencies).register(on: router)
        EndpointIntegrations(dependencies: dependencies).register(on: router)
        OpenAPIController(dependencies: dependencies).register(on: router)
        ActionsController(dependencies: dependencies).register(on: router)
        installations.register(on: router)
        OrganizationMappingController(dependencies: dependencies).register(on: router)
        EventsController(dependencies: dependencies).register(on: router)
        EventPublishing(dependencies: dependencies).register(on: router)
        EventTypesController(dependencies: dependencies).register(on: router)
        WebhooksController(dependencies: dependencies).register(on: router)
        InboundWebhooksController(dependencies: dependencies).register(on: router)
        DeliveriesController(dependencies: dependencies).register(on: router)
        commands.register(on: router)
        return router
    }

    /// The OpenAPI document's operations as `METHOD path` in router syntax; for the coverage test.
    public static var documentedRoutes: [String] {
        APIOperation.all.map { "\($0.method.rawValue) \($0.routerPath)" }
    }
}

/// Applies the configured body limit to the request context.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = PatchbayRequestContext
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.maxBodyBytes = maxBodyBytes
        return try await next(request, context)
    }
}
