import PatchbayCore
import PatchbayStorage

/// Organizations as a principal sees them: the ones it reaches, and an organization's subtree.
public struct OrganizationService: Sendable {
    let services: Services
    /// A console tree shows at most this many descendants.
    public static let maxTree = 500

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
