import PatchbayConnectors
import PatchbayCore
import PatchbayStorage

/// Installing an integration into an organization, connecting it (OAuth 2.0 authorization code) and running its
/// actions there.
extension InstallationService {
    /// Installs integration `integrationId` of organization `ownerOrganizationId` into `targetOrganizationId` (the
    /// owner itself when nil, or one of its descendants) with the credentials its API's auth needs.
    public func create(
        integrationId: String, ownerOrganizationId: String, targetOrganizationId: String?, credentials value: JSONValue?, by principal: Principal
    ) async throws -> Installation {
        let owner = try await services.access.organization(ownerOrganizationId, for: principal, scope: .integrationsWrite)
        let integration = try await services.access.integration(integrationId, in: owner, for: principal)
        var problems = FieldProblems()
        let target = try await descendant(targetOrganizationId ?? owner.id, of: owner, reachedBy: principal)
        if target == nil { problems.add("/organizationId", "must be the integration's organization or one of its descendants") }
        let api = try await services.store.actions.api(integrationId: integration.id)
        let auth = api?.settings.auth ?? APISettings.Auth(type: .none)
        let credentials = Self.credentials(value, problems: &problems)
        if let credentials { for problem in credentials.problems(for: auth) { problems.check(problem) } }
        try problems.throwIfAny()
        guard integration.status != .draft else {
            throw PatchbayError(.conflict, "Integration \(integration.id) is a draft; finalize it (POST …/finalize) before installing it.")
        }
        // Hidden is kept but not offered: only a published integration installs.
        guard integration.status == .published else {
            throw PatchbayError(.conflict, "Integration \(integration.id) is hidden; publish it (PATCH status: published) before installing it.")
        }
        guard let target, let credentials else { throw PatchbayError.validation([]) }
        // Command names are unique among the integrations installed in any one organization.
        if let clash = try await services.store.commands.clashes(installing: integration.id, into: target.id).first {
            throw PatchbayError(
                .conflict,
                "Installing integration \(integration.id) (\(integration.name)) into \(target.id) would clash: its command /\(clash.name) "
                    + "is also a command of integration \(clash.integrationId) (\(clash.integrationName)), installed there.")
        }
        let now = services.clock.nowMillis
        let installation = Installation(
            id: Identifier.make(.installation, nowMillis: now), integrationId: integration.id, organizationId: target.id,
            state: auth.type == .oauth2 && auth.grantType == .authorizationCode ? .authorizationRequired : .ready, createdAt: now, updatedAt: now)
        let event = try Event.describing(installation, type: "integration.installed", in: target, by: principal, at: now)
        do {
            try await services.store.installations.insert(installation, credentials: credentials, event: event)
        } catch StorageError.uniqueViolation {
            throw PatchbayError(.conflict, "Integration \(integration.id) is already installed in \(target.id).")
        }
        return installation
    }

    /// Credentials as given: only the known fields, all strings.
    public static func credentials(_ value: JSONValue?, problems: inout FieldProblems) -> ConnectorCredentials? {
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

    /// The provider's authorization URL for installation `id` (PKCE and a single-use `state`), returning to `redirectURI`.
    public func authorize(_ id: String, organizationId: String, redirectURI: String, by principal: Principal) async throws -> String {
        let (_, installation) = try await get(id, organizationId: organizationId, by: principal, scope: .integrationsWrite)
        guard let api = try await services.store.actions.api(integrationId: installation.integrationId),
            let secrets = try await services.store.installations.secrets(of: installation.id)
        else { throw PatchbayError(.conflict, "The integration has no API settings.") }
        return try await services.connectors.authorizer.begin(
            installation: installation, auth: api.settings.auth, credentials: secrets.credentials, redirectURI: redirectURI)
    }

    /// Where the provider sends the browser back: the single-use `state` is the capability, so no principal.
    public func completeAuthorization(state: String, code: String?, error: String?, errorDescription: String?) async throws -> Installation {
        try await services.connectors.authorizer.complete(state: state, code: code, error: error, errorDescription: errorDescription)
    }

    /// What a run asks for besides the action: its input, paging, and a child organization whose mapped external
    /// id fills the mapping's parameter.
    public struct RunInput: Sendable {
        public var input: ActionInput
        public var paginate: Bool
        public var pageLimit: Int?
        public var childOrganizationId: String?

        public init(input: ActionInput, paginate: Bool = false, pageLimit: Int? = nil, childOrganizationId: String? = nil) {
            self.input = input
            self.paginate = paginate
            self.pageLimit = pageLimit
            self.childOrganizationId = childOrganizationId
        }
    }

    /// Runs action `actionId` of installation `id` against the provider's API with the installation's credentials.
    ///
    /// The hot path of the run endpoint: the organization, the installation (with its sealed credentials), the action
    /// and the API settings (both found through the installation) are read on one connection (`reading`) in turn on
    /// SQLite, side by side on PostgreSQL, so a run waits for one round of reads instead of five in a row. Nothing read is used before the check it depends on has passed, and the
    /// checks keep their order: organization (404), scope (403), installation (404), action (404).
    public func run(_ actionId: String, installation id: String, organizationId: String, _ run: RunInput, by principal: Principal) async throws
        -> ActionRunResult
    {
        let store = services.store
        guard Identifier.isWellFormed(organizationId, .organization) else {
            throw PatchbayError.notFound("Organization \(organizationId.prefix(40))")
        }
        let installationIdIsWellFormed = Identifier.isWellFormed(id, .installation)
        let tenant = principal.tenant(organizationId)
        // Each read's outcome is kept as it came, and looked at only once the checks before it have passed: an
        // error reading the installation must not answer a caller who cannot reach the organization.
        let readOrganization = { @Sendable in await Result.of { try await store.organizations.find(id: organizationId) } }
        let readInstallation = { @Sendable in
            await Result.of { installationIdIsWellFormed ? try await store.installations.findWithSecrets(id: id, in: tenant) : nil }
        }
        let readAction = { @Sendable in
            await Result.of {
                installationIdIsWellFormed && Identifier.isWellFormed(actionId, .action)
                    ? try await store.actions.find(id: actionId, installationId: id) : nil
            }
        }
        let readAPI = { @Sendable in await Result.of { installationIdIsWellFormed ? try await store.actions.api(installationId: id) : nil } }
        let found = try await store.driver.reading {
            // SQLite's reads here share one connection and run one after another whatever we do: child tasks would
            // only add their own scheduling. PostgreSQL's pool serves them side by side.
            guard store.driver.dialect == .postgres else {
                return (
                    organization: await readOrganization(), installation: await readInstallation(), action: await readAction(), api: await readAPI()
                )
            }
            async let organization = readOrganization()
            async let installation = readInstallation()
            async let action = readAction()
            async let api = readAPI()
            return (organization: await organization, installation: await installation, action: await action, api: await api)
        }
        guard let organization = try found.organization.get(), principal.reaches(organization.path) else {
            throw PatchbayError.notFound("Organization \(organizationId.prefix(40))")
        }
        try principal.require(.actionsRun)
        guard let (installation, secrets) = try found.installation.get() else { throw PatchbayError.notFound("Installation \(id.prefix(40))") }
        guard let action = try found.action.get() else { throw PatchbayError.notFound("Action \(actionId.prefix(40))") }
        return try await execute(action, of: installation, in: organization, api: try found.api.get(), secrets: secrets, run, by: principal)
    }

    /// Action `id` of the integration `installation` installs.
    public func action(_ id: String, of installation: Installation) async throws -> Action {
        guard Identifier.isWellFormed(id, .action),
            let action = try await services.store.actions.find(id: id, integrationId: installation.integrationId)
        else { throw PatchbayError.notFound("Action \(id.prefix(40))") }
        return action
    }

    /// Runs `action` (found with `action(_:of:)`) of `installation`, installed in `organization` (both found with `get`).
    public func run(_ action: Action, of installation: Installation, in organization: Organization, _ run: RunInput, by principal: Principal)
        async throws -> ActionRunResult
    {
        // Whoever found the installation, running one of its actions needs actions:run.
        try principal.require(.actionsRun)
        async let api = services.store.actions.api(integrationId: installation.integrationId)
        async let secrets = services.store.installations.secrets(of: installation.id)
        return try await execute(action, of: installation, in: organization, api: try await api, secrets: try await secrets, run, by: principal)
    }

    private func execute(
        _ action: Action, of installation: Installation, in organization: Organization, api: IntegrationAPI?,
        secrets: InstallationRepository.Secrets?,
        _ run: RunInput, by principal: Principal
    ) async throws -> ActionRunResult {
        guard let api, let secrets else { throw PatchbayError.invalid("/api", "the integration has no API settings; set api.baseUrl first") }
        var input = run.input
        if let child = run.childOrganizationId {
            try await applyMapping(child, installation: installation, organization: organization, principal: principal, input: &input)
        }
        return try await services.connectors.runner.run(
            action.definition, api: api, installation: installation, credentials: secrets.credentials,
            request: ActionRunRequest(input: input, paginate: run.paginate, pageLimit: run.pageLimit))
    }

    /// Runs action `actionId` of integration `integrationId` with credentials typed for the occasion and stored
    /// nowhere: the builder's "Test connection" and pagination preview (at most two pages, traced), before anything
    /// is installed. OAuth 2.0 is tried for real by installing and connecting.
    public func trial(
        _ actionId: String, integrationId: String, organizationId: String, credentials: ConnectorCredentials, input: ActionInput,
        paginate: Bool, by principal: Principal
    ) async throws -> ActionRunResult {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .integrationsWrite)
        let integration = try await services.access.integration(integrationId, in: organization, for: principal)
        guard let api = try await services.store.actions.api(integrationId: integration.id) else {
            throw PatchbayError.invalid("/api", "the integration has no API settings; set its hostname first")
        }
        guard api.settings.auth.type != .oauth2 else {
            throw PatchbayError(.conflict, "OAuth 2.0 is tried by installing the integration and connecting it (Connect).")
        }
        let credentialProblems = credentials.problems(for: api.settings.auth)
        if !credentialProblems.isEmpty { throw PatchbayError.validation(credentialProblems) }
        guard Identifier.isWellFormed(actionId, .action),
            let action = try await services.store.actions.find(id: actionId, integrationId: integration.id)
        else { throw PatchbayError.invalid("/actionId", "choose one of the integration's actions") }
        let now = services.clock.nowMillis
        let transient = Installation(
            id: Identifier.make(.installation, nowMillis: now), integrationId: integration.id, organizationId: organization.id, state: .ready,
            createdAt: now, updatedAt: now)
        return try await services.connectors.runner.run(
            action.definition, api: api, installation: transient, credentials: credentials,
            request: ActionRunRequest(input: input, paginate: paginate, pageLimit: paginate ? 2 : nil, trace: true))
    }

    /// Puts the child organization's mapped external id into the mapping's parameter.
    private func applyMapping(
        _ childId: String, installation: Installation, organization: Organization, principal: Principal, input: inout ActionInput
    ) async throws {
        guard let child = try await descendant(childId, of: organization, reachedBy: principal) else {
            throw PatchbayError.invalid("/organizationId", "must be the installation's organization or one of its descendants")
        }
        guard let settings = installation.mapping else {
            throw PatchbayError.invalid("/organizationId", "the installation has no organization mapping; set one first")
        }
        guard let entry = try await services.store.installations.mapping(for: installation.id, organizationId: child.id) else {
            throw PatchbayError.invalid("/organizationId", "\(child.id) is not mapped to an external id")
        }
        input.parameters[settings.parameter] = .string(entry.externalId)
    }

    /// Organization `id` when it is `ancestor` or below it and `principal` reaches it; nil otherwise.
    func descendant(_ id: String, of ancestor: Organization, reachedBy principal: Principal) async throws -> Organization? {
        guard Identifier.isWellFormed(id, .organization), let found = try await services.store.organizations.find(id: id),
            principal.reaches(found.path), ancestor.path.contains(found.path)
        else { return nil }
        return found
    }
}
