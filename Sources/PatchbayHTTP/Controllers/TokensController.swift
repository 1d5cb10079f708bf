import Hummingbird
import PatchbayCore
import PatchbayServices

/// `/v1/organizations/{org}/tokens`: personal and integration access tokens.
struct TokensController {
    let dependencies: APIDependencies

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

    private var tokens: TokenService { dependencies.services.tokens }

    @Sendable func create(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let body = try await request.decode(TokenService.CreateInput.self, context: context)
        let created = try await tokens.create(body, organizationId: context.parameters.value("org"), by: principal)
        let token = created.token
        return try JSONResponse.make(
            Created(token: token, secret: created.secret),
            status: .created,
            headers: [.location: "/v1/organizations/\(token.organizationId ?? "")/tokens/\(token.id)", .cacheControl: "no-store"]
        )
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let page = try await tokens.list(
            organizationId: context.parameters.value("org"), try request.listRequest(sortable: TokenService.sortable),
            by: try context.requirePrincipal())
        return try JSONResponse.list(page, request: request)
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try JSONResponse.make(
            try await tokens.get(context.parameters.value("tok"), organizationId: context.parameters.value("org"), by: try context.requirePrincipal())
        )
    }

    @Sendable func rename(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        // A foreign organization or a malformed id is 404 whatever the body carries.
        _ = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .tokensWrite)
        guard Identifier.isWellFormed(context.parameters.value("tok"), .token) else {
            throw PatchbayError.notFound("Token \(context.parameters.value("tok").prefix(40))")
        }
        let body = try await request.decode(RenameBody.self, context: context)
        return try JSONResponse.make(
            try await tokens.rename(context.parameters.value("tok"), to: body.name, organizationId: context.parameters.value("org"), by: principal))
    }

    @Sendable func revoke(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try await tokens.revoke(context.parameters.value("tok"), organizationId: context.parameters.value("org"), by: try context.requirePrincipal())
        return JSONResponse.noContent()
    }
}

extension TokenService.CreateInput: RequestBody {
    static let fields: Set<String> = ["name", "userId", "integrationId", "scopes", "expiresAt", "expiresIn"]
}
