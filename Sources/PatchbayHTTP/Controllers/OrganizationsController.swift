import Hummingbird
import PatchbayCore
import PatchbayServices
import PatchbayStorage

/// `/v1/organizations`: the organization tree.
struct OrganizationsController {
    let dependencies: APIDependencies

    struct CreateBody: RequestBody {
        static let fields: Set<String> = ["name", "parentId"]
        var name: String
        var parentId: String?
    }

    struct UpdateBody: RequestBody {
        static let fields: Set<String> = ["name", "parentId"]
        var name: String?
        var parentId: String?
    }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("createOrganization", create)
        router.serve("listOrganizations", list)
        router.serve("getOrganization", get)
        router.serve("updateOrganization", update)
        router.serve("deleteOrganization", delete)
    }

    private var organizations: OrganizationService { dependencies.services.organizations }

    @Sendable func create(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        try principal.require(.organizationsWrite)
        let body = try await request.decode(CreateBody.self, context: context)
        let organization = try await organizations.create(name: body.name, parentId: body.parentId, by: principal)
        return try JSONResponse.make(organization, status: .created, headers: [.location: "/v1/organizations/\(organization.id)"])
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        try principal.require(.organizationsRead)
        let listRequest = try request.listRequest(sortable: OrganizationService.sortable)
        return try JSONResponse.list(try await organizations.list(listRequest, by: principal), request: request)
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try JSONResponse.make(try await organizations.get(context.parameters.value("org"), by: try context.requirePrincipal()))
    }

    @Sendable func update(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .organizationsWrite)
        let body = try await request.decode(UpdateBody.self, context: context)
        return try JSONResponse.make(
            try await organizations.update(context.parameters.value("org"), name: body.name, parentId: body.parentId, by: principal))
    }

    @Sendable func delete(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try await organizations.delete(context.parameters.value("org"), by: try context.requirePrincipal())
        return JSONResponse.noContent()
    }
}
