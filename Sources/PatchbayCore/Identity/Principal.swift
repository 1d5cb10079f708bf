/// The authenticated caller of a request: what it reaches, what it may do, and who it acts as.
public struct Principal: Sendable {
    /// Nil for admin tokens: they reach every organization.
    public var organizationId: String?
    public var organizationPath: OrganizationPath?
    public var scopes: Set<Scope>
    public var isAdmin: Bool
    public var tokenId: String?
    public var actor: Actor
    /// Set for integration tokens: they see and change only this integration and what belongs to it.
    public var integrationId: String?

    public init(
        organizationId: String?,
        organizationPath: OrganizationPath?,
        scopes: Set<Scope>,
        isAdmin: Bool,
        tokenId: String?,
        actor: Actor,
        integrationId: String? = nil
    ) {
        self.organizationId = organizationId
        self.organizationPath = organizationPath
        self.scopes = scopes
        self.isAdmin = isAdmin
        self.tokenId = tokenId
        self.actor = actor
        self.integrationId = integrationId
    }

    public static func admin(tokenId: String?) -> Principal {
        Principal(
            organizationId: nil,
            organizationPath: nil,
            scopes: [.all],
            isAdmin: true,
            tokenId: tokenId,
            actor: Actor(type: .admin, id: tokenId, tokenId: tokenId)
        )
    }

    public func reaches(_ path: OrganizationPath) -> Bool {
        guard !isAdmin else { return true }
        return organizationPath?.contains(path) ?? false
    }

    /// The rows of `organizationId` this principal may touch (see `Tenant`).
    public func tenant(_ organizationId: String) -> Tenant { Tenant(organizationId: organizationId, integrationId: integrationId) }

    /// Fails with 403 for integration tokens, which may not create what would not belong to their integration.
    public func requireNotIntegration(_ doing: String) throws {
        guard integrationId == nil else {
            throw PatchbayError(.forbidden, "An integration token cannot \(doing); it acts only on its own integration.")
        }
    }

    public func allows(_ scope: Scope) -> Bool { isAdmin || scopes.grants(scope) }

    /// Fails with 403 unless the scope is granted.
    public func require(_ scope: Scope) throws {
        guard allows(scope) else {
            throw PatchbayError(.forbidden, "This token lacks the \(scope.rawValue) scope.")
        }
    }
}
