import Hummingbird
import PatchbayCore
import PatchbayServices
import PatchbayStorage

/// `/v1/organizations`: the organization tree.
struct OrganizationsController {
    let dependencies: APIDependencies
    /// Deep trees make reach checks and paths long; real hierarchies are shallow.
    static let maxDepth = 16

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

    @Sendable func create(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        try principal.require(.organizationsWrite)
        let body = try await request.decode(CreateBody.self, context: context)
        var problems = FieldProblems()
        problems.check(FieldRules.name(body.name, at: "/name"))
        try problems.throwIfAny()
        let now = dependencies.clock.nowMillis
        let id = Identifier.make(.organization, nowMillis: now)
        let path: OrganizationPath
        if let parentId = body.parentId {
            guard Identifier.isWellFormed(parentId, .organization), let parent = try await dependencies.store.organizations.find(id: parentId),
                principal.reaches(parent.path)
            else { throw PatchbayError.invalid("/parentId", "no organization \(parentId.prefix(40)) is reachable with this token") }
            guard parent.path.depth < Self.maxDepth else {
                throw PatchbayError.invalid("/parentId", "organizations nest at most \(Self.maxDepth) levels deep")
            }
            path = parent.path.child(id)
        } else {
            guard principal.isAdmin else {
                throw PatchbayError(.forbidden, "Only admin tokens create top-level organizations; give a parentId.")
            }
            path = .root(id)
        }
        let organization = Organization(id: id, name: body.name, parentId: body.parentId, path: path, createdAt: now, updatedAt: now)
        let event = try dependencies.event("organization.created", organization, in: organization, by: principal, at: now)
        try await dependencies.store.organizations.insert(organization, event: event)
        return try JSONResponse.make(organization, status: .created, headers: [.location: "/v1/organizations/\(id)"])
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        try principal.require(.organizationsRead)
        let listRequest = try request.listRequest(sortable: ["name", "createdAt", "updatedAt"])
        let page = try await dependencies.store.organizations.list(listRequest, within: principal.isAdmin ? nil : principal.organizationPath)
        return try JSONResponse.list(page, request: request)
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .organizationsRead)
        return try JSONResponse.make(organization)
    }

    @Sendable func update(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        var organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .organizationsWrite)
        let body = try await request.decode(UpdateBody.self, context: context)
        var problems = FieldProblems()
        if let parentId = body.parentId, parentId != organization.parentId {
            problems.add("/parentId", "cannot be changed; an organization stays under the parent it was created in")
        }
        if let name = body.name { problems.check(FieldRules.name(name, at: "/name")) }
        try problems.throwIfAny()
        let now = dependencies.clock.nowMillis
        organization.name = body.name ?? organization.name
        organization.updatedAt = now
        let event = try dependencies.event("organization.updated", organization, in: organization, by: principal, at: now)
        guard try await dependencies.store.organizations.update(organization, event: event) else {
            throw PatchbayError.notFound("Organization \(organization.id)")
        }
        return try JSONResponse.make(organization)
    }

    @Sendable func delete(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .organizationsWrite)
        let now = dependencies.clock.nowMillis
        let event = try dependencies.event("organization.deleted", organization, in: organization, by: principal, at: now)
        guard try await dependencies.store.organizations.delete(id: organization.id, event: event) else {
            throw PatchbayError.notFound("Organization \(organization.id)")
        }
        return JSONResponse.noContent()
    }
}
