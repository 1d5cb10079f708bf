import Hummingbird
import PatchbayCore
import PatchbayServices
import PatchbayStorage

/// `/v1/organizations/{org}/users`. Integration users appear here only as bots, and only on request.
struct UsersController {
    let dependencies: APIDependencies

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("createUser", create)
        router.serve("listUsers", list)
        router.serve("getUser", get)
        router.serve("updateUser", update)
        router.serve("deleteUser", delete)
    }

    private var users: UserService { dependencies.services.users }

    @Sendable func create(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .organizationsWrite)
        let body = try await request.decode(UserService.CreateInput.self, context: context)
        let user = try await users.create(body, organizationId: organization.id, by: principal)
        return try JSONResponse.make(user, status: .created, headers: [.location: "/v1/organizations/\(organization.id)/users/\(user.id)"])
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .organizationsRead)
        let includeBots = try request.booleanQuery("includeBots")
        let listRequest = try request.listRequest(sortable: UserService.sortable)
        return try JSONResponse.list(
            try await users.list(organizationId: context.parameters.value("org"), includeBots: includeBots, listRequest, by: principal),
            request: request)
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try JSONResponse.make(
            try await users.get(context.parameters.value("usr"), organizationId: context.parameters.value("org"), by: try context.requirePrincipal()))
    }

    @Sendable func update(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let user = try await users.get(
            context.parameters.value("usr"), organizationId: context.parameters.value("org"), by: principal, scope: .organizationsWrite)
        let body = try await request.decode(UserService.UpdateInput.self, context: context)
        return try JSONResponse.make(try await users.update(user.id, body, organizationId: user.organizationId, by: principal))
    }

    @Sendable func delete(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try await users.delete(context.parameters.value("usr"), organizationId: context.parameters.value("org"), by: try context.requirePrincipal())
        return JSONResponse.noContent()
    }
}

extension UserService.CreateInput: RequestBody {
    static let fields: Set<String> = ["name", "email", "phone", "role"]
}

extension UserService.UpdateInput: RequestBody {
    static let fields: Set<String> = ["name", "email", "phone", "role"]
}
