import PatchbayCore
import PatchbayStorage

/// Console sign-in: sessions started with an access token or a single-use portal link, checked on every request
/// against their token (revoked or expired ends them), an idle timeout and an absolute one.
public struct ConsoleAccess: Sendable {
    let services: Services
    public static let idleTimeoutMillis: Int64 = 30 * 60_000
    public static let absoluteTimeoutMillis: Int64 = 12 * 3_600_000
    /// `last_seen_at` is written at most this often, so page views do not each cost a write.
    static let touchResolutionMillis: Int64 = 60_000
    public static let linkLifetimeRange: ClosedRange<Int64> = 60...86_400
    public static let defaultLinkLifetime: Int64 = 3_600

    /// A started session: the cookie's secret (given to the browser once) and the session.
    public struct Started: Sendable {
        public var secret: String
        public var session: ConsoleSession
    }

    /// A signed-in visit: the session and the principal it acts as now.
    public struct Visit: Sendable {
        public var session: ConsoleSession
        public var principal: Principal
        /// The organization a portal session is confined to; nil for a token's own session.
        public var portalOrganizationId: String? { session.organizationId }
    }

    public struct Link: Sendable {
        public var url: String
        public var expiresAt: Int64
    }

    private var store: Store { services.store }

    static func randomSecret() -> String { String(TokenSecret.generate().token.dropFirst(TokenSecret.tag.count)) }

    /// Signs in with an admin or organization token. Integration tokens are refused: they act for an
    /// integration, not a person.
    public func signIn(secret: String) async throws -> Started {
        let secret = secret.trimmingWhitespace()
        let principal: Principal
        do {
            principal = try await services.authentication.principal(forSecret: secret)
        } catch let error as PatchbayError where error.kind == .unauthenticated {
            throw PatchbayError.invalid("/token", "That token is not valid: it is unknown, revoked or expired.")
        }
        guard principal.integrationId == nil else {
            throw PatchbayError.invalid("/token", "An integration token cannot sign in to the console; use an admin or organization token.")
        }
        let environmentHash = services.authentication.isEnvironmentAdmin(secret) ? TokenSecret.hash(of: secret) : nil
        return try await start(tokenId: principal.tokenId, environmentAdminHash: environmentHash, organizationId: nil, scopes: nil)
    }

    /// Signs in through a portal link, once: a second use, an expired or an unknown link is refused.
    public func redeem(linkSecret: String) async throws -> Started {
        guard linkSecret.utf8.count <= 200,
            let link = try await store.console.redeem(secretHash: TokenSecret.hash(of: linkSecret), now: services.clock.nowMillis)
        else { throw PatchbayError(.unauthenticated, "This console link is not valid: it has been used already, has expired, or never existed.") }
        // The maker of the link must still be allowed in, before any session exists.
        let probe = ConsoleSession(
            idHash: "", csrf: "", tokenId: link.tokenId, environmentAdminHash: link.environmentAdminHash, organizationId: link.organizationId,
            scopes: link.scopes, createdAt: 0, lastSeenAt: 0, expiresAt: 0)
        _ = try await principal(of: probe)
        return try await start(
            tokenId: link.tokenId, environmentAdminHash: link.environmentAdminHash, organizationId: link.organizationId, scopes: link.scopes)
    }

    private func start(tokenId: String?, environmentAdminHash: String?, organizationId: String?, scopes: [Scope]?) async throws -> Started {
        let now = services.clock.nowMillis
        let secret = Self.randomSecret()
        let session = ConsoleSession(
            idHash: TokenSecret.hash(of: secret), csrf: Self.randomSecret(), tokenId: tokenId, environmentAdminHash: environmentAdminHash,
            organizationId: organizationId, scopes: scopes, createdAt: now, lastSeenAt: now, expiresAt: now + Self.absoluteTimeoutMillis)
        try await store.console.deleteExpired(now: now, idleBefore: now - Self.idleTimeoutMillis)
        try await store.console.insert(session)
        return Started(secret: secret, session: session)
    }

    /// The visit of the session whose cookie holds `secret`; 401 when there is none or it has ended.
    /// `touch: false` for requests no person made (the live tail's polling), so an unattended tab still goes idle.
    public func visit(secret: String, touch: Bool = true) async throws -> Visit {
        let now = services.clock.nowMillis
        guard !secret.isEmpty, secret.utf8.count <= 200, var session = try await store.console.session(idHash: TokenSecret.hash(of: secret))
        else { throw PatchbayError(.unauthenticated, "Sign in to use the console.") }
        guard now < session.expiresAt, now - session.lastSeenAt < Self.idleTimeoutMillis else {
            try await store.console.deleteSession(idHash: session.idHash)
            throw PatchbayError(.unauthenticated, "Your session has ended; sign in again.")
        }
        let principal: Principal
        do {
            principal = try await self.principal(of: session)
        } catch let error as PatchbayError where error.kind == .unauthenticated {
            try await store.console.deleteSession(idHash: session.idHash)
            throw error
        }
        if touch, now - session.lastSeenAt >= Self.touchResolutionMillis {
            try await store.console.touch(idHash: session.idHash, at: now)
            session.lastSeenAt = now
        }
        return Visit(session: session, principal: principal)
    }

    /// Lets the session's next look at `value` (an integration id) show its secret, once.
    public func allowReveal(_ value: String, in visit: Visit) async throws {
        try await store.console.setReveal(idHash: visit.session.idHash, value)
    }

    public func takeReveal(_ value: String, in visit: Visit) async throws -> Bool {
        try await store.console.takeReveal(idHash: visit.session.idHash, value)
    }

    /// Holds an uploaded document for this session until it is applied (re-import: diff first, then "Apply").
    public func holdUpload(_ document: [UInt8], integrationId: String, in visit: Visit) async throws -> String {
        let id = Self.randomSecret()
        try await store.console.holdUpload(
            id: id, sessionHash: visit.session.idHash, integrationId: integrationId, document: String(decoding: document, as: UTF8.self),
            now: services.clock.nowMillis)
        return id
    }

    public func heldUpload(_ id: String, integrationId: String, in visit: Visit) async throws -> [UInt8]? {
        guard id.count <= 100 else { return nil }
        return try await store.console.heldUpload(
            id: id, sessionHash: visit.session.idHash, integrationId: integrationId, now: services.clock.nowMillis
        )
        .map { Array($0.utf8) }
    }

    public func releaseUpload(_ id: String) async throws { try await store.console.releaseUpload(id: id) }

    public func signOut(secret: String) async throws {
        guard !secret.isEmpty, secret.utf8.count <= 200 else { return }
        try await store.console.deleteSession(idHash: TokenSecret.hash(of: secret))
    }

    /// What the session may do: its token's principal, narrowed to the portal organization and scopes.
    func principal(of session: ConsoleSession) async throws -> Principal {
        let base: Principal
        if let expected = session.environmentAdminHash {
            guard let current = services.environmentAdminToken, TokenSecret.constantTimeEquals(TokenSecret.hash(of: current), expected) else {
                throw PatchbayError(.unauthenticated, "The admin token this session used is no longer configured; sign in again.")
            }
            base = .admin(tokenId: nil)
        } else if let tokenId = session.tokenId {
            base = try await services.authentication.principal(forTokenId: tokenId)
        } else {
            throw PatchbayError(.unauthenticated, "Sign in to use the console.")
        }
        guard let organizationId = session.organizationId else { return base }
        guard let organization = try await store.organizations.find(id: organizationId), base.reaches(organization.path) else {
            throw PatchbayError(.unauthenticated, "The organization of this console link is no longer reachable; ask for a new link.")
        }
        let granted = Set(session.scopes ?? [])
        return Principal(
            organizationId: organization.id, organizationPath: organization.path,
            scopes: base.isAdmin ? granted : Set(granted.filter { base.allows($0) }),
            isAdmin: false, tokenId: base.tokenId, actor: base.actor, integrationId: base.integrationId)
    }

    /// A portal link to organization `organizationId`'s console, for `expiresIn` seconds, with `scopes` (at most the
    /// maker's own). `baseURL` is where browsers reach this server.
    public func createLink(
        organizationId: String, expiresIn: Int64?, scopes: [String]?, baseURL: String, by principal: Principal
    ) async throws -> Link {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .tokensWrite)
        try principal.requireNotIntegration("make console links")
        var problems = FieldProblems()
        let lifetime = expiresIn ?? Self.defaultLinkLifetime
        if !Self.linkLifetimeRange.contains(lifetime) {
            problems.add("/expiresIn", "must be from \(Self.linkLifetimeRange.lowerBound) to \(Self.linkLifetimeRange.upperBound) seconds")
        }
        var granted: [Scope] = []
        for (index, text) in (scopes ?? ["*"]).enumerated() {
            guard let scope = Scope(rawValue: text) else {
                problems.add("/scopes/\(index)", "is not a scope; use one of \(Scope.allCases.map(\.rawValue).joined(separator: ", "))")
                continue
            }
            if !granted.contains(scope) { granted.append(scope) }
        }
        if scopes?.isEmpty == true { problems.add("/scopes", "must name at least one scope") }
        try problems.throwIfAny()
        guard principal.isAdmin || principal.scopes.covers(Set(granted)) else {
            throw PatchbayError(.forbidden, "A console link cannot grant scopes its maker does not have.")
        }
        let now = services.clock.nowMillis
        let secret = Self.randomSecret()
        let link = ConsoleLink(
            id: Identifier.make(.consoleLink, nowMillis: now), secretHash: TokenSecret.hash(of: secret), organizationId: organization.id,
            scopes: granted, tokenId: principal.tokenId,
            environmentAdminHash: principal.isAdmin && principal.tokenId == nil ? services.environmentAdminToken.map(TokenSecret.hash(of:)) : nil,
            createdAt: now, expiresAt: now + lifetime * 1000)
        try await store.console.insert(link)
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        return Link(url: "\(base)/console/portal/\(secret)", expiresAt: link.expiresAt)
    }
}
