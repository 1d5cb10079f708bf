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
    /// The `PATCHBAY_ADMIN_TOKEN` value, if any: an admin token that lives only in the environment.
    public let environmentAdminToken: String?

    public init(store: Store, clock: any TimeSource, addressPolicy: AddressPolicy, handshake: WebhookHandshake, environmentAdminToken: String?) {
        self.store = store
        self.clock = clock
        self.addressPolicy = addressPolicy
        self.handshake = handshake
        self.environmentAdminToken = environmentAdminToken
    }

    public var access: Access { Access(store: store) }
    public var authentication: Authentication { Authentication(store: store, clock: clock, environmentAdminToken: environmentAdminToken) }
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
}

extension Event {
    /// An event about `subject` in `organization`, made by `principal`: how every service records a change.
    public static func describing(
        _ subject: some Encodable, type: String, in organization: Organization, by principal: Principal, at now: Int64
    ) throws -> Event {
        try describing(subject, type: type, organizationId: organization.id, organizationPath: organization.path, actor: principal.actor, at: now)
    }
}
