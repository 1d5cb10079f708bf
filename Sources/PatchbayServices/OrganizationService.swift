import PatchbayCore
import PatchbayStorage

/// Organizations as a principal sees them: the ones it reaches, and an organization's subtree.
public struct OrganizationService: Sendable {
    let services: Services
    /// A console tree shows at most this many descendants.
    public static let maxTree = 500
    /// Deep trees make reach checks and paths long; real hierarchies are shallow.
    public static let maxDepth = 16
    public static let sortable = ["name", "createdAt", "updatedAt"]

    private var store: Store { services.store }

    /// A new organization under `parentId` (which the principal must reach), or at the top (admins only).
    public func create(name: String, parentId: String?, by principal: Principal) async throws -> Organization {
        try principal.require(.organizationsWrite)
        var problems = FieldProblems()
        problems.check(FieldRules.name(name, at: "/name"))
        try problems.throwIfAny()
        let now = services.clock.nowMillis
        let id = Identifier.make(.organization, nowMillis: now)
        let path: OrganizationPath
        if let parentId {
            guard Identifier.isWellFormed(parentId, .organization), let parent = try await store.organizations.find(id: parentId),
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
        let organization = Organization(id: id, name: name, parentId: parentId, path: path, createdAt: now, updatedAt: now)
        try await store.organizations.insert(
            organization, event: try Event.describing(organization, type: "organization.created", in: organization, by: principal, at: now))
        return organization
    }

    /// Every organization the principal reaches (all of them for an admin).
    public func list(_ request: ListRequest, by principal: Principal) async throws -> Page<Organization> {
        try principal.require(.organizationsRead)
        return try await store.organizations.list(request, within: principal.isAdmin ? nil : principal.organizationPath)
    }

    /// Renames the organization; its parent cannot change.
    public func update(_ id: String, name: String?, parentId: String?, by principal: Principal) async throws -> Organization {
        var organization = try await services.access.organization(id, for: principal, scope: .organizationsWrite)
        var problems = FieldProblems()
        if let parentId, parentId != organization.parentId {
            problems.add("/parentId", "cannot be changed; an organization stays under the parent it was created in")
        }
        if let name { problems.check(FieldRules.name(name, at: "/name")) }
        try problems.throwIfAny()
        let now = services.clock.nowMillis
        organization.name = name ?? organization.name
        organization.updatedAt = now
        guard
            try await store.organizations.update(
                organization, event: try Event.describing(organization, type: "organization.updated", in: organization, by: principal, at: now))
        else { throw PatchbayError.notFound("Organization \(organization.id)") }
        return organization
    }

    public func delete(_ id: String, by principal: Principal) async throws {
        let organization = try await services.access.organization(id, for: principal, scope: .organizationsWrite)
        let now = services.clock.nowMillis
        // Its tokens go with it.
        defer { services.principals.invalidate() }
        guard
            try await store.organizations.delete(
                id: organization.id, event: try Event.describing(organization, type: "organization.deleted", in: organization, by: principal, at: now)
            )
        else { throw PatchbayError.notFound("Organization \(organization.id)") }
    }

    public func get(_ id: String, by principal: Principal) async throws -> Organization {
        try await services.access.organization(id, for: principal, scope: .organizationsRead)
    }

    /// The organization and every organization beneath it (up to `maxTree`), parents before children.
    public func subtree(of id: String, by principal: Principal) async throws -> [Organization] {
        let organization = try await services.access.organization(id, for: principal, scope: .organizationsRead)
        var request = ListRequest(limit: Self.maxTree)
        request.sort = SortOrder(field: "createdAt", descending: false)
        return try await services.store.organizations.list(request, within: organization.path).items
    }

    /// The organizations a principal starts from: its own, or (for an admin) the top-level ones.
    public func roots(by principal: Principal, search: String? = nil) async throws -> [Organization] {
        if let own = principal.organizationId, let organization = try await services.store.organizations.find(id: own) {
            return [organization]
        }
        guard principal.isAdmin else { return [] }
        var request = ListRequest(limit: Self.maxTree)
        request.search = search
        return try await services.store.organizations.list(request, within: nil).items.filter { $0.parentId == nil }
    }
}
