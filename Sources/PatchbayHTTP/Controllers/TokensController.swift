import Hummingbird
import PatchbayCore
import PatchbayStorage

/// `/v1/organizations/{org}/tokens`: personal and integration access tokens.
struct TokensController {
    let dependencies: APIDependencies
    static let minimumLifetimeSeconds: Int64 = 60
    static let maximumLifetimeSeconds: Int64 = 10 * 366 * 86_400

    struct CreateBody: RequestBody {
        static let fields: Set<String> = ["name", "userId", "integrationId", "scopes", "expiresAt", "expiresIn"]
        var name: String
        var userId: String?
        var integrationId: String?
        var scopes: [String]?
        var expiresAt: String?
        var expiresIn: Int64?
    }

    struct RenameBody: RequestBody {
        static let fields: Set<String> = ["name"]
        var name: String
    }

    /// The create response: the only place the secret ever appears.
    struct Created: Encodable {
        var token: AccessToken
        var secret: String

        enum CodingKeys: String, CodingKey {
            case id, name, token, prefix, scopes, expiresAt, createdAt, organizationId, userId, integrationId
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(token.id, forKey: .id)
            try container.encode(token.name, forKey: .name)
            try container.encode(secret, forKey: .token)
            try container.encode(token.prefix, forKey: .prefix)
            try container.encode(token.scopes, forKey: .scopes)
            try container.encode(token.expiresAt.map(Timestamp.format), forKey: .expiresAt)
            try container.encode(Timestamp.format(token.createdAt), forKey: .createdAt)
            try container.encode(token.organizationId, forKey: .organizationId)
            try container.encode(token.userId, forKey: .userId)
            try container.encode(token.integrationId, forKey: .integrationId)
        }
    }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("createToken", create)
        router.serve("listTokens", list)
        router.serve("getToken", get)
        router.serve("renameToken", rename)
        router.serve("revokeToken", revoke)
    }

    @Sendable func create(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .tokensWrite)
        let body = try await request.decode(CreateBody.self, context: context)
        let now = dependencies.clock.nowMillis
        var problems = FieldProblems()
        problems.check(FieldRules.name(body.name, at: "/name"))
        var scopes: [Scope] = []
        let forIntegration = body.integrationId != nil
        for (index, text) in (body.scopes ?? (forIntegration ? Scope.integrationDefaults.map(\.rawValue) : ["*"])).enumerated() {
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
        if body.scopes?.isEmpty == true { problems.add("/scopes", "must name at least one scope") }
        var expiresAt: Int64?
        switch (body.expiresAt, body.expiresIn) {
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
        if body.userId != nil, body.integrationId != nil { problems.add("/integrationId", "give userId or integrationId, not both") }
        try problems.throwIfAny()
        guard principal.isAdmin || principal.scopes.covers(Set(scopes)) else {
            throw PatchbayError(.forbidden, "A token cannot grant scopes it does not have itself.")
        }

        var userId: String?
        var integrationId: String?
        if let requested = body.userId {
            guard Identifier.isWellFormed(requested, .user),
                let user = try await dependencies.store.users.find(id: requested, organizationId: organization.id),
                user.kind == .human
            else { throw PatchbayError.invalid("/userId", "no user \(requested.prefix(40)) in this organization") }
            userId = user.id
        }
        if let requested = body.integrationId {
            guard Identifier.isWellFormed(requested, .integration),
                let integration = try await dependencies.store.integrations.find(id: requested, in: principal.tenant(organization.id))
            else { throw PatchbayError.invalid("/integrationId", "no integration \(requested.prefix(40)) in this organization") }
            integrationId = integration.id
            userId = integration.userId
        }
        let secret = TokenSecret.generate()
        let token = AccessToken(
            id: Identifier.make(.token, nowMillis: now),
            organizationId: organization.id,
            name: body.name,
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
        try await dependencies.store.tokens.insert(token)
        return try JSONResponse.make(
            Created(token: token, secret: secret.token),
            status: .created,
            headers: [.location: "/v1/organizations/\(organization.id)/tokens/\(token.id)", .cacheControl: "no-store"]
        )
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .tokensWrite)
        let page = try await dependencies.store.tokens.list(
            organizationId: organization.id, try request.listRequest(sortable: ["name", "createdAt", "updatedAt"]))
        return try JSONResponse.list(page, request: request)
    }

    private func tokenId(_ context: PatchbayRequestContext) throws -> String {
        let id = context.parameters.value("tok")
        guard Identifier.isWellFormed(id, .token) else { throw PatchbayError.notFound("Token \(id.prefix(40))") }
        return id
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .tokensWrite)
        let id = try tokenId(context)
        guard let token = try await dependencies.store.tokens.find(id: id, organizationId: organization.id) else {
            throw PatchbayError.notFound("Token \(id)")
        }
        return try JSONResponse.make(token)
    }

    @Sendable func rename(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .tokensWrite)
        let id = try tokenId(context)
        let body = try await request.decode(RenameBody.self, context: context)
        if let problem = FieldRules.name(body.name, at: "/name") { throw PatchbayError.validation([problem]) }
        guard
            let token = try await dependencies.store.tokens.rename(
                id: id, organizationId: organization.id, name: body.name, now: dependencies.clock.nowMillis)
        else { throw PatchbayError.notFound("Token \(id)") }
        return try JSONResponse.make(token)
    }

    @Sendable func revoke(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .tokensWrite)
        let id = try tokenId(context)
        guard try await dependencies.store.tokens.revoke(id: id, organizationId: organization.id, now: dependencies.clock.nowMillis) != nil else {
            throw PatchbayError.notFound("Token \(id)")
        }
        return JSONResponse.noContent()
    }
}
