import PatchbayCore
import PatchbayStorage

/// People of an organization. Integration users appear only as bots, on request, and change only through their
/// integration.
public struct UserService: Sendable {
    let services: Services
    public static let sortable = ["name", "email", "createdAt", "updatedAt"]

    public struct CreateInput: Decodable, Sendable {
        public var name: String
        public var email: String
        public var phone: String?
        public var role: String?
    }

    public struct UpdateInput: Decodable, Sendable {
        public var name: String?
        public var email: String?
        public var phone: PatchValue<String> = .absent
        public var role: String?

        enum CodingKeys: String, CodingKey { case name, email, phone, role }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decodeIfPresent(String.self, forKey: .name)
            email = try container.decodeIfPresent(String.self, forKey: .email)
            phone = try PatchValue(container, .phone)
            role = try container.decodeIfPresent(String.self, forKey: .role)
        }
    }

    private var store: Store { services.store }

    static func role(_ text: String?, problems: inout FieldProblems) -> User.Role? {
        guard let text else { return nil }
        guard let role = User.Role(rawValue: text) else {
            problems.add("/role", "must be one of admin, member")
            return nil
        }
        return role
    }

    public func create(_ input: CreateInput, organizationId: String, by principal: Principal) async throws -> User {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .organizationsWrite)
        var problems = FieldProblems()
        problems.check(FieldRules.name(input.name, at: "/name"))
        problems.check(FieldRules.email(input.email, at: "/email"))
        if let phone = input.phone { problems.check(FieldRules.phone(phone, at: "/phone")) }
        let role = Self.role(input.role, problems: &problems) ?? .member
        try problems.throwIfAny()
        let now = services.clock.nowMillis
        let user = User(
            id: Identifier.make(.user, nowMillis: now), organizationId: organization.id, name: input.name, email: input.email, phone: input.phone,
            role: role, kind: .human, integrationId: nil, createdAt: now, updatedAt: now)
        try await store.users.insert(user, event: try Event.describing(user, type: "user.created", in: organization, by: principal, at: now))
        return user
    }

    public func list(organizationId: String, includeBots: Bool, _ request: ListRequest, by principal: Principal) async throws -> Page<User> {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .organizationsRead)
        return try await store.users.list(organizationId: organization.id, kinds: includeBots ? [.human, .bot] : [.human], request)
    }

    /// The user, hiding app users (they never show in user lookups).
    public func get(_ id: String, organizationId: String, by principal: Principal, scope: Scope = .organizationsRead) async throws -> User {
        let organization = try await services.access.organization(organizationId, for: principal, scope: scope)
        guard Identifier.isWellFormed(id, .user), let user = try await store.users.find(id: id, organizationId: organization.id), user.kind != .app
        else { throw PatchbayError.notFound("User \(id.prefix(40))") }
        return user
    }

    private static func requireHuman(_ user: User) throws {
        guard user.kind == .human else {
            throw PatchbayError(.conflict, "User \(user.id) belongs to integration \(user.integrationId ?? ""); change it through the integration.")
        }
    }

    public func update(_ id: String, _ input: UpdateInput, organizationId: String, by principal: Principal) async throws -> User {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .organizationsWrite)
        var user = try await get(id, organizationId: organization.id, by: principal, scope: .organizationsWrite)
        try Self.requireHuman(user)
        var problems = FieldProblems()
        if let name = input.name { problems.check(FieldRules.name(name, at: "/name")) }
        if let email = input.email { problems.check(FieldRules.email(email, at: "/email")) }
        if case .value(let phone) = input.phone { problems.check(FieldRules.phone(phone, at: "/phone")) }
        let role = Self.role(input.role, problems: &problems)
        try problems.throwIfAny()
        let now = services.clock.nowMillis
        user.name = input.name ?? user.name
        user.email = input.email ?? user.email
        user.phone = input.phone.applied(to: user.phone)
        user.role = role ?? user.role
        user.updatedAt = now
        guard try await store.users.update(user, event: try Event.describing(user, type: "user.updated", in: organization, by: principal, at: now))
        else {
            throw PatchbayError.notFound("User \(user.id)")
        }
        return user
    }

    public func delete(_ id: String, organizationId: String, by principal: Principal) async throws {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .organizationsWrite)
        let user = try await get(id, organizationId: organization.id, by: principal, scope: .organizationsWrite)
        try Self.requireHuman(user)
        let now = services.clock.nowMillis
        // The user's tokens go with it.
        defer { services.principals.invalidate() }
        guard
            try await store.users.delete(
                id: user.id, organizationId: organization.id,
                event: try Event.describing(user, type: "user.deleted", in: organization, by: principal, at: now))
        else { throw PatchbayError.notFound("User \(user.id)") }
    }
}
