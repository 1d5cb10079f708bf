import Hummingbird
import PatchbayCore
import PatchbayDelivery
import PatchbayStorage

/// What every controller needs: the store, the clock and the edge settings.
struct APIDependencies: Sendable {
    let store: Store
    let clock: any TimeSource
    let settings: HTTPSettings
    let handshake: WebhookHandshake

    /// The SSRF rules every configured outbound URL is checked against.
    var addressPolicy: AddressPolicy { AddressPolicy(allowPrivateTargets: settings.allowPrivateTargets) }

    /// The organization, when the principal reaches it (404 otherwise, so existence does not leak) and has
    /// `scope` (403 otherwise).
    func organization(_ id: String, for principal: Principal, scope: Scope) async throws -> Organization {
        guard Identifier.isWellFormed(id, .organization), let organization = try await store.organizations.find(id: id),
            principal.reaches(organization.path)
        else { throw PatchbayError.notFound("Organization \(id.prefix(40))") }
        try principal.require(scope)
        return organization
    }

    /// The integration named by the `int` path parameter, in `organization` (404 otherwise, and for an integration
    /// token naming another integration).
    func integration(_ context: PatchbayRequestContext, in organization: Organization) async throws -> Integration {
        let id = context.parameters.value("int")
        let principal = try context.requirePrincipal()
        guard Identifier.isWellFormed(id, .integration),
            let integration = try await store.integrations.find(id: id, in: principal.tenant(organization.id))
        else { throw PatchbayError.notFound("Integration \(id.prefix(40))") }
        return integration
    }

    /// The installation named by `ins`, installed in the organization named by `org` (404 otherwise, and when the
    /// token does not reach that organization; 403 without `scope`).
    func installation(_ context: PatchbayRequestContext, scope: Scope) async throws -> (Organization, Installation) {
        let principal = try context.requirePrincipal()
        let organization = try await organization(context.parameters.value("org"), for: principal, scope: scope)
        let id = context.parameters.value("ins")
        guard Identifier.isWellFormed(id, .installation),
            let installation = try await store.installations.find(id: id, in: principal.tenant(organization.id))
        else { throw PatchbayError.notFound("Installation \(id.prefix(40))") }
        return (organization, installation)
    }

    /// The webhook named by the `wh` path parameter, in the organization of the `org` parameter (404 otherwise).
    func webhook(_ context: PatchbayRequestContext, scope: Scope) async throws -> (Organization, Webhook) {
        let principal = try context.requirePrincipal()
        let organization = try await organization(context.parameters.value("org"), for: principal, scope: scope)
        let id = context.parameters.value("wh")
        guard Identifier.isWellFormed(id, .webhook), let webhook = try await store.webhooks.find(id: id, in: principal.tenant(organization.id))
        else { throw PatchbayError.notFound("Webhook \(id.prefix(40))") }
        return (organization, webhook)
    }

    func event(_ type: String, _ subject: some Encodable, in organization: Organization, by principal: Principal, at now: Int64) throws -> Event {
        try Event.describing(
            subject,
            type: type,
            organizationId: organization.id,
            organizationPath: organization.path,
            actor: principal.actor,
            at: now
        )
    }
}

/// A field that a PATCH may leave out, set, or clear with `null`.
enum PatchValue<Value: Decodable & Sendable>: Sendable {
    case absent
    case null
    case value(Value)

    init<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws {
        if !container.contains(key) {
            self = .absent
        } else if try container.decodeNil(forKey: key) {
            self = .null
        } else {
            self = .value(try container.decode(Value.self, forKey: key))
        }
    }

    /// The new value given the current one.
    func applied(to current: Value?) -> Value? {
        switch self {
        case .absent: current
        case .null: nil
        case .value(let value): value
        }
    }
}

/// Collects field problems so a request hears about all of them at once.
struct FieldProblems {
    private(set) var errors: [FieldError] = []

    mutating func check(_ problem: FieldError?) {
        if let problem { errors.append(problem) }
    }

    mutating func add(_ pointer: String, _ message: String) { errors.append(FieldError(pointer: pointer, message)) }

    func throwIfAny() throws {
        if !errors.isEmpty { throw PatchbayError.validation(errors) }
    }
}
