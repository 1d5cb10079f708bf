import Hummingbird
import PatchbayCore
import PatchbayServices
import PatchbayStorage

/// `/v1/organizations/{org}/users`. Integration users appear here only as bots, and only on request.
struct UsersController {
    let dependencies: APIDependencies

    struct CreateBody: RequestBody {
        static let fields: Set<String> = ["name", "email", "phone", "role"]
        var name: String
        var email: String
        var phone: String?
        var role: String?
    }

    struct UpdateBody: RequestBody {
        static let fields: Set<String> = ["name", "email", "phone", "role"]
        var name: String?
        var email: String?
        var phone: PatchValue<String>
        var role: String?

        enum CodingKeys: String, CodingKey { case name, email, phone, role }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decodeIfPresent(String.self, forKey: .name)
            email = try container.decodeIfPresent(String.self, forKey: .email)
            phone = try PatchValue(container, .phone)
            role = try container.decodeIfPresent(String.self, forKey: .role)
        }
    }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("createUser", create)
        router.serve("listUsers", list)
        router.serve("getUser", get)
        router.serve("updateUser", update)
        router.serve("deleteUser", delete)
    }

    static func role(_ text: String?, problems: inout FieldProblems) -> User.Role? {
        guard let text else { return nil }
        guard let role = User.Role(rawValue: text) else {
            problems.add("/role", "must be one of admin, member")
            return nil
        }
        return role
    }

    @Sendable func create(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .organizationsWrite)
        let body = try await request.decode(CreateBody.self, context: context)
        var problems = FieldProblems()
        problems.check(FieldRules.name(body.name, at: "/name"))
        problems.check(FieldRules.email(body.email, at: "/email"))
        if let phone = body.phone { problems.check(FieldRules.phone(phone, at: "/phone")) }
        let role = Self.role(body.role, problems: &problems) ?? .member
        try problems.throwIfAny()
        let now = dependencies.clock.nowMillis
        let user = User(
            id: Identifier.make(.user, nowMillis: now),
            organizationId: organization.id,
            name: body.name,
            email: body.email,
            phone: body.phone,
            role: role,
            kind: .human,
            integrationId: nil,
            createdAt: now,
            updatedAt: now
        )
        try await dependencies.store.users.insert(user, event: try dependencies.event("user.created", user, in: organization, by: principal, at: now))
        return try JSONResponse.make(user, status: .created, headers: [.location: "/v1/organizations/\(organization.id)/users/\(user.id)"])
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .organizationsRead)
        let kinds: [User.Kind] = try request.booleanQuery("includeBots") ? [.human, .bot] : [.human]
        let listRequest = try request.listRequest(sortable: ["name", "email", "createdAt", "updatedAt"])
        let page = try await dependencies.store.users.list(organizationId: organization.id, kinds: kinds, listRequest)
        return try JSONResponse.list(page, request: request)
    }

    /// The user, hiding app users (they never show in user lookups).
    private func visibleUser(_ id: String, in organization: Organization) async throws -> User {
        guard Identifier.isWellFormed(id, .user), let user = try await dependencies.store.users.find(id: id, organizationId: organization.id),
            user.kind != .app
        else { throw PatchbayError.notFound("User \(id.prefix(40))") }
        return user
    }

    private static func requireHuman(_ user: User) throws {
        guard user.kind == .human else {
            throw PatchbayError(.conflict, "User \(user.id) belongs to integration \(user.integrationId ?? ""); change it through the integration.")
        }
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .organizationsRead)
        return try JSONResponse.make(try await visibleUser(context.parameters.value("usr"), in: organization))
    }

    @Sendable func update(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .organizationsWrite)
        var user = try await visibleUser(context.parameters.value("usr"), in: organization)
        let body = try await request.decode(UpdateBody.self, context: context)
        try Self.requireHuman(user)
        var problems = FieldProblems()
        if let name = body.name { problems.check(FieldRules.name(name, at: "/name")) }
        if let email = body.email { problems.check(FieldRules.email(email, at: "/email")) }
        if case .value(let phone) = body.phone { problems.check(FieldRules.phone(phone, at: "/phone")) }
        let role = Self.role(body.role, problems: &problems)
        try problems.throwIfAny()
        let now = dependencies.clock.nowMillis
        user.name = body.name ?? user.name
        user.email = body.email ?? user.email
        user.phone = body.phone.applied(to: user.phone)
        user.role = role ?? user.role
        user.updatedAt = now
        let event = try dependencies.event("user.updated", user, in: organization, by: principal, at: now)
        guard try await dependencies.store.users.update(user, event: event) else { throw PatchbayError.notFound("User \(user.id)") }
        return try JSONResponse.make(user)
    }

    @Sendable func delete(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .organizationsWrite)
        let user = try await visibleUser(context.parameters.value("usr"), in: organization)
        try Self.requireHuman(user)
        let now = dependencies.clock.nowMillis
        let event = try dependencies.event("user.deleted", user, in: organization, by: principal, at: now)
        guard try await dependencies.store.users.delete(id: user.id, organizationId: organization.id, event: event) else {
            throw PatchbayError.notFound("User \(user.id)")
        }
        return JSONResponse.noContent()
    }
}
