import PatchbayConnectors
import PatchbayCore
import PatchbayDelivery
import PatchbayStorage

/// The application services: every rule and transaction of a use case, written once and called by both faces of
/// Patchbay (the JSON API and the console). Each service takes the caller's `Principal` and checks what it may
/// reach and do, so a face cannot forget a check.
public struct Services: Sendable {
    public let store: Store
    public let clock: any TimeSource
    /// The SSRF rules every configured outbound URL is checked against.
    public let addressPolicy: AddressPolicy
    public let handshake: WebhookHandshake
    /// Signed synchronous calls to endpoint integrations (slash commands, `…/call`).
    public let caller: EndpointCaller
    /// Token refresh, action runs and OAuth authorization, over the guarded client.
    public let connectors: Connectors
    /// The `PATCHBAY_ADMIN_TOKEN` value, if any: an admin token that lives only in the environment.
    public let environmentAdminToken: String?
    /// Where API descriptions are parsed (threads of their own, a cap on large ones at once).
    public let documents: DocumentParsing
    /// The `/in/…` endpoints recently asked for; changes made through these services forget theirs at once.
    public let inboundLookup: InboundLookup
    /// Principals resolved from tokens in the last seconds; emptied on any token change (see `PrincipalCache`).
    public let principals: PrincipalCache

    public init(
        store: Store, clock: any TimeSource, addressPolicy: AddressPolicy, handshake: WebhookHandshake, caller: EndpointCaller,
        connectors: Connectors, environmentAdminToken: String?, maxDocumentParses: Int = 2
    ) {
        self.store = store
        self.clock = clock
        self.addressPolicy = addressPolicy
        self.handshake = handshake
        self.caller = caller
        self.connectors = connectors
        self.environmentAdminToken = environmentAdminToken
        documents = DocumentParsing(maximumLarge: maxDocumentParses)
        inboundLookup = InboundLookup()
        principals = PrincipalCache()
    }

    public var access: Access { Access(store: store) }
    public var authentication: Authentication {
        Authentication(store: store, clock: clock, environmentAdminToken: environmentAdminToken, cache: principals)
    }
    public var tokens: TokenService { TokenService(services: self) }
    public var webhooks: WebhookService { WebhookService(services: self) }
    public var deliveries: DeliveryService { DeliveryService(services: self) }
    public var eventTypes: EventTypeService { EventTypeService(services: self) }
    public var events: EventService { EventService(services: self) }
    public var console: ConsoleAccess { ConsoleAccess(services: self) }
    public var organizations: OrganizationService { OrganizationService(services: self) }
    public var users: UserService { UserService(services: self) }
    public var installations: InstallationService { InstallationService(services: self) }
    public var integrations: IntegrationService { IntegrationService(services: self) }
    public var inbound: InboundService { InboundService(services: self) }
    public var commands: CommandService { CommandService(services: self) }
    public var actions: ActionService { ActionService(services: self) }
    public var mappings: OrganizationMappingService { OrganizationMappingService(services: self) }
}

extension Event {
    /// An event about `subject` in `organization`, made by `principal`: how every service records a change.
    public static func describing(
        _ subject: some Encodable, type: String, in organization: Organization, by principal: Principal, at now: Int64
    ) throws -> Event {
        try describing(subject, type: type, organizationId: organization.id, organizationPath: organization.path, actor: principal.actor, at: now)
    }
}
