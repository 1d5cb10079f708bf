import Hummingbird
import PatchbayCore
import PatchbayServices

/// `…/installations/{ins}/organization-mapping`: which of the provider's companies each child organization is.
/// The rules are `OrganizationMappingService`'s.
struct OrganizationMappingController {
    let dependencies: APIDependencies

    struct SuggestBody: RequestBody {
        static let fields: Set<String> = ["parameters", "pageLimit"]
        var parameters: [String: JSONValue]?
        var pageLimit: Int?
    }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("getOrganizationMapping", get)
        router.serve("putOrganizationMapping", put)
        router.serve("suggestOrganizationMapping", suggest)
    }

    private var mappings: OrganizationMappingService { dependencies.services.mappings }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try JSONResponse.make(
            try await mappings.get(
                installation: context.parameters.value("ins"), organizationId: context.parameters.value("org"), by: try context.requirePrincipal()))
    }

    @Sendable func put(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let (organization, installation) = try await dependencies.installation(context, scope: .integrationsWrite)
        let body = try await request.decode(OrganizationMappingService.Input.self, context: context)
        return try JSONResponse.make(try await mappings.put(body, installation: installation.id, organizationId: organization.id, by: principal))
    }

    @Sendable func suggest(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let (organization, installation) = try await dependencies.installation(context, scope: .integrationsWrite)
        let body = try await request.decodeIfPresent(SuggestBody.self, context: context) ?? SuggestBody()
        return try JSONResponse.make(
            try await mappings.suggest(
                installation: installation.id, organizationId: organization.id, parameters: body.parameters ?? [:], pageLimit: body.pageLimit,
                by: principal))
    }
}

extension OrganizationMappingService.Input: RequestBody {
    static let fields: Set<String> = ["actionId", "idKey", "nameKey", "parameter", "entries"]
}
