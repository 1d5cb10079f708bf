import Foundation
import Hummingbird
import PatchbayCore
import PatchbayDelivery
import PatchbayServices
import PatchbayStorage

/// `/v1/organizations/{org}/integrations`: custom integrations and their integration users.
struct IntegrationsController {
    let dependencies: APIDependencies

    struct CreateBody: RequestBody {
        static let fields: Set<String> = ["name", "description", "iconSvg", "bot", "endpoint", "features"]
        var name: String
        var description: String?
        var iconSvg: String?
        var bot: Bool?
        var features: [String]?
        /// Makes an endpoint integration: `{url, authorization: {scheme, token}, verifyTls?}`.
        var endpoint: JSONValue?
    }

    struct UpdateBody: RequestBody {
        static let fields: Set<String> = ["name", "description", "iconSvg", "status", "api", "endpoint", "features"]
        var name: String?
        var features: [String]?
        var description: String?
        var iconSvg: PatchValue<String>
        var status: String?
        /// The whole `api` object (base URL, auth, pagination); replaces the stored one.
        var api: JSONValue?
        /// An endpoint integration's `url`, `authorization` (null removes it) or `verifyTls`.
        var endpoint: JSONValue?

        enum CodingKeys: String, CodingKey { case name, description, iconSvg, status, api, endpoint, features }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decodeIfPresent(String.self, forKey: .name)
            description = try container.decodeIfPresent(String.self, forKey: .description)
            iconSvg = try PatchValue(container, .iconSvg)
            status = try container.decodeIfPresent(String.self, forKey: .status)
            api = try container.decodeIfPresent(JSONValue.self, forKey: .api)
            endpoint = try container.decodeIfPresent(JSONValue.self, forKey: .endpoint)
            features = try container.decodeIfPresent([String].self, forKey: .features)
        }
    }

    struct FinalizeBody: RequestBody {
        static let fields: Set<String> = ["status"]
        var status: String?
    }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("createIntegration", create)
        router.serve("listIntegrations", list)
        router.serve("getIntegration", get)
        router.serve("updateIntegration", update)
        router.serve("deleteIntegration", delete)
        router.serve("finalizeIntegration", finalize)
    }

    private static func checkIcon(_ svg: String, problems: inout FieldProblems) {
        if let reason = SVGIconValidator.problem(in: svg) { problems.add("/iconSvg", reason) }
    }

    @Sendable func create(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .integrationsWrite)
        try principal.requireNotIntegration("create integrations")
        let body = try await request.decode(CreateBody.self, context: context)
        var problems = FieldProblems()
        problems.check(FieldRules.name(body.name, at: "/name"))
        problems.check(FieldRules.text(body.description ?? "", at: "/description"))
        if let svg = body.iconSvg { Self.checkIcon(svg, problems: &problems) }
        let features = body.features.map { Self.features($0, problems: &problems) } ?? Integration.Feature.defaults
        let endpoint = body.endpoint.flatMap { value in
            EndpointIntegrations.settings(value, requireURL: true, policy: dependencies.addressPolicy, problems: &problems)
        }
        try problems.throwIfAny()
        let now = dependencies.clock.nowMillis
        let kind: User.Kind = body.bot == true ? .bot : .app
        let integrationId = Identifier.make(.integration, nowMillis: now)
        let user = User(
            id: Identifier.make(.user, nowMillis: now),
            organizationId: organization.id,
            name: body.name,
            email: nil,
            phone: nil,
            role: .member,
            kind: kind,
            integrationId: integrationId,
            createdAt: now,
            updatedAt: now
        )
        var integration = Integration(
            id: integrationId,
            organizationId: organization.id,
            name: body.name,
            description: body.description ?? "",
            iconSvg: body.iconSvg,
            status: .draft,
            userId: user.id,
            userKind: kind,
            finalizedAt: nil,
            createdAt: now,
            updatedAt: now
        )
        integration.features = features
        let location: HTTPFields = [.location: "/v1/organizations/\(organization.id)/integrations/\(integration.id)"]
        guard let endpoint else {
            let event = try dependencies.event("integration.created", integration, in: organization, by: principal, at: now)
            try await dependencies.store.integrations.insert(integration, user: user, event: event)
            return try JSONResponse.make(integration, status: .created, headers: location)
        }
        let webhook = EndpointIntegrations.webhook(for: integration, settings: endpoint, at: now)
        integration.endpoint = Integration.Endpoint(
            webhookId: webhook.id, url: webhook.url, authorizationScheme: webhook.authorization?.scheme.rawValue)
        let event = try dependencies.event("integration.created", integration, in: organization, by: principal, at: now)
        try await dependencies.store.integrations.insert(
            integration, user: user, endpoint: webhook, webhooks: dependencies.store.webhooks, event: event)
        let (handshake, _) = try await dependencies.handshake.run(webhook, organizationPath: organization.path, actor: principal.actor)
        var headers = location
        headers[.cacheControl] = "no-store"
        return try JSONResponse.make(
            CreatedResource(resource: integration, secret: webhook.secret.encoded, handshake: handshake), status: .created, headers: headers)
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .integrationsRead)
        let listRequest = try request.listRequest(sortable: ["name", "status", "createdAt", "updatedAt"])
        return try JSONResponse.list(
            try await dependencies.store.integrations.list(in: principal.tenant(organization.id), listRequest), request: request)
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .integrationsRead)
        let integration = try await dependencies.integration(context, in: organization)
        let api = try await dependencies.store.actions.api(integrationId: integration.id)
        return try JSONResponse.make(IntegrationWithAPI(integration: integration, api: api))
    }

    /// An integration with its API connection (`api`, and `source` when imported), when it has one.
    struct IntegrationWithAPI: Encodable {
        var integration: Integration
        var api: IntegrationAPI?

        enum CodingKeys: String, CodingKey { case api, source }

        func encode(to encoder: any Encoder) throws {
            try integration.encode(to: encoder)
            guard let api else { return }
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(api.settings, forKey: .api)
            try container.encodeIfPresent(api.source, forKey: .source)
        }
    }

    @Sendable func update(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .integrationsWrite)
        var integration = try await dependencies.integration(context, in: organization)
        let body = try await request.decode(UpdateBody.self, context: context)
        var problems = FieldProblems()
        if let name = body.name { problems.check(FieldRules.name(name, at: "/name")) }
        if let description = body.description { problems.check(FieldRules.text(description, at: "/description")) }
        if case .value(let svg) = body.iconSvg { Self.checkIcon(svg, problems: &problems) }
        let features = body.features.map { Self.features($0, problems: &problems) } ?? integration.features
        var settings: APISettings?
        if let api = body.api {
            let (decoded, apiProblems) = Self.apiSettings(api)
            settings = decoded
            for problem in apiProblems { problems.check(problem) }
        }
        var endpointWebhook: Webhook?
        if let value = body.endpoint {
            if let current = integration.endpoint,
                let webhook = try await dependencies.store.webhooks.find(
                    id: current.webhookId, in: Tenant(organizationId: integration.organizationId))
            {
                if let settings = EndpointIntegrations.settings(value, requireURL: false, policy: dependencies.addressPolicy, problems: &problems) {
                    endpointWebhook = webhook
                    endpointWebhook?.url = settings.url ?? webhook.url
                    endpointWebhook?.authorization = settings.authorization.applied(to: webhook.authorization)
                    endpointWebhook?.verifyTls = settings.verifyTls ?? webhook.verifyTls
                }
            } else {
                problems.add("/endpoint", "this integration has no endpoint; endpoint integrations are made with one")
            }
        }
        var status = integration.status
        if let text = body.status {
            if let next = Integration.Status(rawValue: text) {
                if let reason = integration.transitionError(to: next) { problems.add("/status", reason) } else { status = next }
            } else {
                problems.add("/status", "must be one of published, hidden")
            }
        }
        try problems.throwIfAny()
        integration.features = features
        // An API connection is what actions run against.
        if body.api != nil { try integration.require(.actions) }
        let now = dependencies.clock.nowMillis
        integration.name = body.name ?? integration.name
        integration.description = body.description ?? integration.description
        integration.iconSvg = body.iconSvg.applied(to: integration.iconSvg)
        integration.status = status
        integration.updatedAt = now
        if var webhook = endpointWebhook {
            webhook.updatedAt = now
            guard try await dependencies.store.webhooks.update(webhook) else { throw PatchbayError.notFound("Integration \(integration.id)") }
            integration.endpoint = Integration.Endpoint(
                webhookId: webhook.id, url: webhook.url, authorizationScheme: webhook.authorization?.scheme.rawValue)
        }
        try await save(integration, settings: settings, type: "integration.updated", in: organization, by: principal, at: now)
        return try JSONResponse.make(
            IntegrationWithAPI(integration: integration, api: try await dependencies.store.actions.api(integrationId: integration.id)))
    }

    /// The declared features, each checked; duplicates collapse.
    static func features(_ names: [String], problems: inout FieldProblems) -> [Integration.Feature] {
        var features: [Integration.Feature] = []
        for (index, name) in names.enumerated() {
            if let feature = Integration.Feature(rawValue: name) {
                if !features.contains(feature) { features.append(feature) }
            } else {
                problems.add(
                    "/features/\(index)",
                    "is not a feature; use \(Integration.Feature.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        return features
    }

    /// Reads an `api` object: unknown fields, wrong types and settings that break the contract's rules are all
    /// reported with pointers below `/api`.
    static func apiSettings(_ value: JSONValue) -> (APISettings?, [FieldError]) {
        guard case .object = value else { return (nil, [FieldError(pointer: "/api", "must be an object")]) }
        let unknown = APISettingsRules.unknownFields(value)
        if !unknown.isEmpty { return (nil, unknown) }
        do {
            let settings = try JSONDecoder().decode(APISettings.self, from: Data(JSONText.encode(value)))
            return (settings, APISettingsRules.problems(settings))
        } catch let error as DecodingError {
            let problem = JSONBody.problem(for: error).errors.map { error in
                FieldError(pointer: "/api" + (error.pointer ?? ""), error.message)
            }
            return (nil, problem)
        } catch {
            return (nil, [FieldError(pointer: "/api", "is not a valid api object")])
        }
    }

    @Sendable func finalize(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .integrationsWrite)
        var integration = try await dependencies.integration(context, in: organization)
        let body = try await request.decodeIfPresent(FinalizeBody.self, context: context) ?? FinalizeBody(status: nil)
        guard integration.status == .draft else {
            throw PatchbayError(.conflict, "Integration \(integration.id) is already finalized (status \(integration.status.rawValue)).")
        }
        let target: Integration.Status
        switch body.status {
        case nil, "published": target = .published
        case "hidden": target = .hidden
        default: throw PatchbayError.invalid("/status", "must be one of published, hidden")
        }
        let now = dependencies.clock.nowMillis
        integration.status = target
        integration.finalizedAt = now
        integration.updatedAt = now
        try await save(integration, type: "integration.updated", in: organization, by: principal, at: now)
        return try JSONResponse.make(integration)
    }

    @Sendable func delete(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .integrationsWrite)
        let integration = try await dependencies.integration(context, in: organization)
        let event = try dependencies.event("integration.deleted", integration, in: organization, by: principal, at: dependencies.clock.nowMillis)
        guard try await dependencies.store.integrations.delete(id: integration.id, in: principal.tenant(organization.id), event: event) else {
            throw PatchbayError.notFound("Integration \(integration.id)")
        }
        return JSONResponse.noContent()
    }

    private func save(
        _ integration: Integration, settings: APISettings? = nil, type: String, in organization: Organization, by principal: Principal, at now: Int64
    ) async throws {
        let event = try dependencies.event(type, integration, in: organization, by: principal, at: now)
        guard try await dependencies.store.integrations.update(integration, settings: settings, event: event) else {
            throw PatchbayError.notFound("Integration \(integration.id)")
        }
    }
}
