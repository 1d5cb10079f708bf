/// A console sign-in. The browser holds the session's secret in a cookie; the store holds its hash, the token it
/// acts as (re-checked on every request, so revoking the token ends the session) and, for a portal link's session,
/// the organization and scopes it is narrowed to.
public struct ConsoleSession: Sendable, Equatable {
    public var idHash: String
    /// Compared with the `csrf` field of every state-changing form.
    public var csrf: String
    public var tokenId: String?
    /// Set when signed in with the environment's admin token: the hash of that token, which must still match.
    public var environmentAdminHash: String?
    public var organizationId: String?
    public var scopes: [Scope]?
    public var createdAt: Int64
    public var lastSeenAt: Int64
    /// The absolute end, whatever the activity.
    public var expiresAt: Int64

    public init(
        idHash: String, csrf: String, tokenId: String?, environmentAdminHash: String?, organizationId: String?, scopes: [Scope]?,
        createdAt: Int64, lastSeenAt: Int64, expiresAt: Int64
    ) {
        self.idHash = idHash
        self.csrf = csrf
        self.tokenId = tokenId
        self.environmentAdminHash = environmentAdminHash
        self.organizationId = organizationId
        self.scopes = scopes
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
    }
}

/// A single-use portal link: whoever opens it first is signed in to one organization's console with `scopes`.
public struct ConsoleLink: Sendable, Equatable {
    public var id: String
    public var secretHash: String
    public var organizationId: String
    public var scopes: [Scope]
    /// The token that made the link; the session acts as it (narrowed), and ends with it.
    public var tokenId: String?
    public var environmentAdminHash: String?
    public var createdAt: Int64
    public var expiresAt: Int64
    public var usedAt: Int64?

    public init(
        id: String, secretHash: String, organizationId: String, scopes: [Scope], tokenId: String?, environmentAdminHash: String?, createdAt: Int64,
        expiresAt: Int64, usedAt: Int64? = nil
    ) {
        self.id = id
        self.secretHash = secretHash
        self.organizationId = organizationId
        self.scopes = scopes
        self.tokenId = tokenId
        self.environmentAdminHash = environmentAdminHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
    }
}
