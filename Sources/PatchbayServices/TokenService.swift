import PatchbayCore
import PatchbayStorage

/// Access tokens of an organization: created (the secret shown once), listed, renamed and revoked.
public struct TokenService: Sendable {
    let services: Services
    public static let minimumLifetimeSeconds: Int64 = 60
    public static let maximumLifetimeSeconds: Int64 = 10 * 366 * 86_400
    public static let sortable = ["name", "createdAt", "updatedAt"]

    public struct CreateInput: Decodable, Sendable {
        public var name: String
        public var userId: String?
        public var integrationId: String?
        public var scopes: [String]?
        public var expiresAt: String?
        public var expiresIn: Int64?

        public init(
            name: String, userId: String? = nil, integrationId: String? = nil, scopes: [String]? = nil, expiresAt: String? = nil,
            expiresIn: Int64? = nil
        ) {
            self.name = name
            self.userId = userId
            self.integrationId = integrationId
            self.scopes = scopes
            self.expiresAt = expiresAt
            self.expiresIn = expiresIn
        }
    }

    /// A new token and its secret: the only time the secret exists outside its hash.
    public struct Created: Sendable {
        public var token: AccessToken
        public var secret: String
    }

    private var store: Store { services.store }

    public func create(_ input: CreateInput, organizationId: String, by principal: Principal) async throws -> Created {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .tokensWrite)
        let now = services.clock.nowMillis
        var problems = FieldProblems()
        problems.check(FieldRules.name(input.name, at: "/name"))
        var scopes: [Scope] = []
        let forIntegration = input.integrationId != nil
        for (index, text) in (input.scopes ?? (forIntegration ? Scope.integrationDefaults.map(\.rawValue) : ["*"])).enumerated() {
            if let scope = Scope(rawValue: text) {
                if forIntegration, Scope.neverForIntegrations.contains(scope) {
                    problems.add(
                        "/scopes/\(index)",
                        "an integration token cannot hold \(text); it may hold \(Scope.allCases.filter { !Scope.neverForIntegrations.contains($0) }.map(\.rawValue).joined(separator: ", "))"
                    )
                } else if !scopes.contains(scope) {
                    scopes.append(scope)
                }
            } else {
                problems.add("/scopes/\(index)", "is not a scope; use one of \(Scope.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if input.scopes?.isEmpty == true { problems.add("/scopes", "must name at least one scope") }
        var expiresAt: Int64?
        switch (input.expiresAt, input.expiresIn) {
        case (.some, .some):
            problems.add("/expiresIn", "give expiresAt or expiresIn, not both")
        case (.some(let text), nil):
            if let instant = Timestamp.parse(text) {
                if instant <= now {
                    problems.add("/expiresAt", "must be in the future")
                } else if instant - now > Self.maximumLifetimeSeconds * 1000 {
                    problems.add("/expiresAt", "must be within 10 years")
                }
                expiresAt = instant
            } else {
                problems.add("/expiresAt", "must be an RFC 3339 date-time such as 2030-01-01T00:00:00Z")
            }
        case (nil, .some(let seconds)):
            if (Self.minimumLifetimeSeconds...Self.maximumLifetimeSeconds).contains(seconds) {
                expiresAt = now + seconds * 1000
            } else {
                problems.add("/expiresIn", "must be from \(Self.minimumLifetimeSeconds) to \(Self.maximumLifetimeSeconds) seconds")
            }
        case (nil, nil):
            break
        }
        if input.userId != nil, input.integrationId != nil { problems.add("/integrationId", "give userId or integrationId, not both") }
        try problems.throwIfAny()
        guard principal.isAdmin || principal.scopes.covers(Set(scopes)) else {
            throw PatchbayError(.forbidden, "A token cannot grant scopes it does not have itself.")
        }

        var userId: String?
        var integrationId: String?
        if let requested = input.userId {
            guard Identifier.isWellFormed(requested, .user),
                let user = try await store.users.find(id: requested, organizationId: organization.id),
                user.kind == .human
            else { throw PatchbayError.invalid("/userId", "no user \(requested.prefix(40)) in this organization") }
            userId = user.id
        }
        if let requested = input.integrationId {
            guard Identifier.isWellFormed(requested, .integration),
                let integration = try await store.integrations.find(id: requested, in: principal.tenant(organization.id))
            else { throw PatchbayError.invalid("/integrationId", "no integration \(requested.prefix(40)) in this organization") }
            integrationId = integration.id
            userId = integration.userId
        }
        let secret = TokenSecret.generate()
        let token = AccessToken(
            id: Identifier.make(.token, nowMillis: now),
            organizationId: organization.id,
            name: input.name,
            prefix: secret.prefix,
            secretHash: secret.hash,
            scopes: scopes,
            isAdmin: false,
            userId: userId,
            integrationId: integrationId,
            expiresAt: expiresAt,
            lastUsedAt: nil,
            revokedAt: nil,
            createdAt: now,
            updatedAt: now
        )
        try await store.tokens.insert(token)
        return Created(token: token, secret: secret.token)
    }

    public func list(organizationId: String, _ request: ListRequest, by principal: Principal) async throws -> Page<AccessToken> {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .tokensWrite)
        return try await store.tokens.list(organizationId: organization.id, request)
    }

    private static func checkedId(_ id: String) throws -> String {
        guard Identifier.isWellFormed(id, .token) else { throw PatchbayError.notFound("Token \(id.prefix(40))") }
        return id
    }

    public func get(_ id: String, organizationId: String, by principal: Principal) async throws -> AccessToken {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .tokensWrite)
        guard let token = try await store.tokens.find(id: try Self.checkedId(id), organizationId: organization.id) else {
            throw PatchbayError.notFound("Token \(id)")
        }
        return token
    }

    public func rename(_ id: String, to name: String, organizationId: String, by principal: Principal) async throws -> AccessToken {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .tokensWrite)
        let id = try Self.checkedId(id)
        if let problem = FieldRules.name(name, at: "/name") { throw PatchbayError.validation([problem]) }
        guard let token = try await store.tokens.rename(id: id, organizationId: organization.id, name: name, now: services.clock.nowMillis)
        else { throw PatchbayError.notFound("Token \(id)") }
        return token
    }

    @discardableResult
    public func revoke(_ id: String, organizationId: String, by principal: Principal) async throws -> AccessToken {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .tokensWrite)
        let id = try Self.checkedId(id)
        defer { services.principals.invalidate() }
        guard let token = try await store.tokens.revoke(id: id, organizationId: organization.id, now: services.clock.nowMillis) else {
            throw PatchbayError.notFound("Token \(id)")
        }
        return token
    }
}
