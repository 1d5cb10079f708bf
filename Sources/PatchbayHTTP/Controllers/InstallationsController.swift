import Foundation
import HTTPTypes
import Hummingbird
import PatchbayConnectors
import PatchbayCore
import PatchbayServices
import PatchbayStorage

/// Installations of integrations into organizations, their OAuth authorization, and action runs.
struct InstallationsController {
    let dependencies: APIDependencies
    let connectors: Connectors

    struct CreateBody: RequestBody {
        static let fields: Set<String> = ["organizationId", "credentials"]
        var organizationId: String?
        var credentials: JSONValue?
    }

    struct RunBody: RequestBody {
        static let fields: Set<String> = ["parameters", "body", "paginate", "pageLimit", "organizationId"]
        var parameters: [String: JSONValue]?
        var body: JSONValue?
        var paginate: Bool?
        var pageLimit: Int?
        /// A child organization mapped to one of the provider's companies: its external id fills the mapping's parameter.
        var organizationId: String?
    }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("createInstallation", create)
        router.serve("listInstallations", list)
        router.serve("getInstallation", get)
        router.serve("deleteInstallation", delete)
        router.serve("authorizeInstallation", authorize)
        router.serve("runAction", run)
    }

    /// The public callback route, registered before authentication (the provider's redirect carries no token).
    func registerPublic(on router: Router<PatchbayRequestContext>) {
        router.serve("oauthCallback", callback)
    }

    // MARK: - Lookups

    // MARK: - Handlers

    @Sendable func create(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let owner = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .integrationsWrite)
        let integration = try await dependencies.integration(context, in: owner)
        let body = try await request.decode(CreateBody.self, context: context)
        var problems = FieldProblems()
        let targetId = body.organizationId ?? owner.id
        var target: Organization?
        if Identifier.isWellFormed(targetId, .organization), let found = try await dependencies.store.organizations.find(id: targetId),
            principal.reaches(found.path), owner.path.contains(found.path)
        {
            target = found
        } else {
            problems.add("/organizationId", "must be the integration's organization or one of its descendants")
        }
        let api = try await dependencies.store.actions.api(integrationId: integration.id)
        let auth = api?.settings.auth ?? APISettings.Auth(type: .none)
        let credentials = Self.credentials(body.credentials, problems: &problems)
        if let credentials { for problem in credentials.problems(for: auth) { problems.check(problem) } }
        try problems.throwIfAny()
        guard integration.status != .draft else {
            throw PatchbayError(.conflict, "Integration \(integration.id) is a draft; finalize it (POST …/finalize) before installing it.")
        }
        guard let target, let credentials else { throw PatchbayError.validation([]) }
        // Command names are unique among the integrations installed in any one organization.
        if let clash = try await dependencies.store.commands.clashes(installing: integration.id, into: target.id).first {
            throw PatchbayError(
                .conflict,
                "Installing integration \(integration.id) (\(integration.name)) into \(target.id) would clash: its command /\(clash.name) "
                    + "is also a command of integration \(clash.integrationId) (\(clash.integrationName)), installed there.")
        }
        let now = dependencies.clock.nowMillis
        let installation = Installation(
            id: Identifier.make(.installation, nowMillis: now), integrationId: integration.id, organizationId: target.id,
            state: auth.type == .oauth2 && auth.grantType == .authorizationCode ? .authorizationRequired : .ready, createdAt: now, updatedAt: now)
        let event = try dependencies.event("integration.installed", installation, in: target, by: principal, at: now)
        do {
            try await dependencies.store.installations.insert(installation, credentials: credentials, event: event)
        } catch StorageError.uniqueViolation {
            throw PatchbayError(.conflict, "Integration \(integration.id) is already installed in \(target.id).")
        }
        return try JSONResponse.make(
            installation, status: .created, headers: [.location: "/v1/organizations/\(target.id)/installations/\(installation.id)"])
    }

    /// Credentials as given: only the known fields, all strings.
    static func credentials(_ value: JSONValue?, problems: inout FieldProblems) -> ConnectorCredentials? {
        guard let value, value != .null else { return ConnectorCredentials() }
        guard case .object(let members) = value else {
            problems.add("/credentials", "must be an object")
            return nil
        }
        var strings: [String: String] = [:]
        for (key, member) in members.sorted(by: { $0.key < $1.key }) {
            let pointer = "/credentials/" + JSONPointer.escape(key)
            guard ConnectorCredentials.fields.contains(key) else {
                problems.add(pointer, "is not a known field (apiKey, username, password, clientId, clientSecret)")
                continue
            }
            guard case .string(let text) = member else {
                problems.add(pointer, "must be a string")
                continue
            }
            strings[key] = text
        }
        return ConnectorCredentials(
            apiKey: strings["apiKey"], username: strings["username"], password: strings["password"], clientId: strings["clientId"],
            clientSecret: strings["clientSecret"])
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .integrationsRead)
        let integration = try await dependencies.integration(context, in: organization)
        let listRequest = try request.listRequest(sortable: InstallationService.sortable)
        return try JSONResponse.list(
            try await dependencies.services.installations.list(
                integrationId: integration.id, organizationId: organization.id, listRequest, by: principal), request: request)
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let (_, installation) = try await dependencies.installation(context, scope: .integrationsRead)
        return try JSONResponse.make(installation)
    }

    @Sendable func delete(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try await dependencies.services.installations.delete(
            context.parameters.value("ins"), organizationId: context.parameters.value("org"), by: try context.requirePrincipal())
        return JSONResponse.noContent()
    }

    /// 302 to the provider's authorization page, with PKCE and a single-use `state`.
    @Sendable func authorize(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let (_, installation) = try await dependencies.installation(context, scope: .integrationsWrite)
        guard let api = try await dependencies.store.actions.api(integrationId: installation.integrationId),
            let secrets = try await dependencies.store.installations.secrets(of: installation.id)
        else { throw PatchbayError(.conflict, "The integration has no API settings.") }
        let location = try await connectors.authorizer.begin(
            installation: installation, auth: api.settings.auth, credentials: secrets.credentials, redirectURI: callbackURL(for: request))
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        return Response(status: .found, headers: headers)
    }

    /// The redirect URI providers return to: the configured public URL, else the scheme and host this request used.
    func callbackURL(for request: Request) -> String {
        if let base = dependencies.settings.publicURL {
            return (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/oauth/callback"
        }
        let host = request.head.authority ?? "localhost"
        return "\(request.head.scheme ?? "http")://\(host)/oauth/callback"
    }

    @Sendable func callback(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let installation = try await connectors.authorizer.complete(
            state: query["state"].map(String.init) ?? "", code: query["code"].map(String.init), error: query["error"].map(String.init),
            errorDescription: query["error_description"].map(String.init))
        return try JSONResponse.make(installation)
    }

    @Sendable func run(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let (organization, installation) = try await dependencies.installation(context, scope: .actionsRun)
        let actionId = context.parameters.value("act")
        guard Identifier.isWellFormed(actionId, .action),
            let action = try await dependencies.store.actions.find(id: actionId, integrationId: installation.integrationId)
        else { throw PatchbayError.notFound("Action \(actionId.prefix(40))") }
        let body = try await request.decodeIfPresent(RunBody.self, context: context) ?? RunBody()
        guard let api = try await dependencies.store.actions.api(integrationId: installation.integrationId),
            let secrets = try await dependencies.store.installations.secrets(of: installation.id)
        else { throw PatchbayError.invalid("/api", "the integration has no API settings; set api.baseUrl first") }
        var input = ActionInput(parameters: body.parameters ?? [:], body: body.body)
        if let child = body.organizationId {
            try await applyMapping(child, installation: installation, organization: organization, principal: principal, input: &input)
        }
        let result = try await connectors.runner.run(
            action.definition, api: api, installation: installation, credentials: secrets.credentials,
            request: ActionRunRequest(input: input, paginate: body.paginate ?? false, pageLimit: body.pageLimit))
        return try JSONResponse.make(result)
    }

    /// Puts the child organization's mapped external id into the mapping's parameter.
    private func applyMapping(
        _ childId: String, installation: Installation, organization: Organization, principal: Principal, input: inout ActionInput
    ) async throws {
        guard Identifier.isWellFormed(childId, .organization), let child = try await dependencies.store.organizations.find(id: childId),
            principal.reaches(child.path), organization.path.contains(child.path)
        else { throw PatchbayError.invalid("/organizationId", "must be the installation's organization or one of its descendants") }
        guard let settings = installation.mapping else {
            throw PatchbayError.invalid("/organizationId", "the installation has no organization mapping; set one first")
        }
        guard let entry = try await dependencies.store.installations.mapping(for: installation.id, organizationId: child.id) else {
            throw PatchbayError.invalid("/organizationId", "\(child.id) is not mapped to an external id")
        }
        input.parameters[settings.parameter] = .string(entry.externalId)
    }
}
