import Hummingbird
import PatchbayCore
import PatchbayDelivery
import PatchbayStorage

/// `/v1/organizations/{org}/webhooks`: outbound webhook configuration, secrets and their rotation.
struct WebhooksController {
    let dependencies: APIDependencies

    struct AuthorizationBody: Decodable, Sendable {
        var scheme: String
        var token: String
    }

    struct CreateBody: RequestBody {
        static let fields: Set<String> = [
            "name", "url", "eventTypes", "integrationId", "active", "verifyTls", "format", "maxEventsPerRequest", "rateLimit", "authorization",
            "headers", "secret",
        ]
        var name: String
        var url: String
        var eventTypes: [String]?
        var integrationId: String?
        var active: Bool?
        var verifyTls: Bool?
        var format: String?
        var maxEventsPerRequest: Int?
        var rateLimit: Int?
        var authorization: AuthorizationBody?
        var headers: [String: String]?
        var secret: String?
    }

    struct UpdateBody: RequestBody {
        static let fields: Set<String> = [
            "name", "url", "eventTypes", "integrationId", "active", "verifyTls", "format", "maxEventsPerRequest", "rateLimit", "authorization",
            "headers",
        ]
        var name: String?
        var url: String?
        var eventTypes: [String]?
        var integrationId: String?
        var active: Bool?
        var verifyTls: Bool?
        var format: String?
        var maxEventsPerRequest: Int?
        /// Absent: unchanged; null: no limit.
        var rateLimit: PatchValue<Int>
        var authorization: PatchValue<AuthorizationBody>
        var headers: [String: String]?

        enum CodingKeys: String, CodingKey {
            case name, url, eventTypes, integrationId, active, verifyTls, format, maxEventsPerRequest, rateLimit, authorization, headers
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decodeIfPresent(String.self, forKey: .name)
            url = try container.decodeIfPresent(String.self, forKey: .url)
            eventTypes = try container.decodeIfPresent([String].self, forKey: .eventTypes)
            integrationId = try container.decodeIfPresent(String.self, forKey: .integrationId)
            active = try container.decodeIfPresent(Bool.self, forKey: .active)
            verifyTls = try container.decodeIfPresent(Bool.self, forKey: .verifyTls)
            format = try container.decodeIfPresent(String.self, forKey: .format)
            maxEventsPerRequest = try container.decodeIfPresent(Int.self, forKey: .maxEventsPerRequest)
            rateLimit = try PatchValue(container, .rateLimit)
            authorization = try PatchValue(container, .authorization)
            headers = try container.decodeIfPresent([String: String].self, forKey: .headers)
        }
    }

    struct RotateBody: RequestBody {
        static let fields: Set<String> = ["secret"]
        var secret: String?
    }

    struct SecretView: Encodable {
        var secret: String
        var previousSecret: String?
        var previousSecretExpiresAt: String?

        enum CodingKeys: CodingKey { case secret, previousSecret, previousSecretExpiresAt }

        /// Every field always present, `null` when there is no previous secret.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(secret, forKey: .secret)
            try container.encode(previousSecret, forKey: .previousSecret)
            try container.encode(previousSecretExpiresAt, forKey: .previousSecretExpiresAt)
        }
    }

    enum SecretKeys: String, CodingKey { case secret }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("createWebhook", create)
        router.serve("listWebhooks", list)
        router.serve("getWebhook", get)
        router.serve("updateWebhook", update)
        router.serve("deleteWebhook", delete)
        router.serve("getWebhookSecret", secret)
        router.serve("rotateWebhookSecret", rotate)
        router.serve("testWebhook", test)
    }

    @Sendable func create(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .webhooksWrite)
        let body = try await request.decode(CreateBody.self, context: context)
        var problems = FieldProblems()
        problems.check(FieldRules.name(body.name, at: "/name"))
        checkURL(body.url, problems: &problems)
        let eventTypes = try await checkEventTypes(body.eventTypes ?? [], problems: &problems)
        let format = Self.format(body.format, problems: &problems) ?? .json
        let maxEvents = Self.maxEvents(body.maxEventsPerRequest, problems: &problems) ?? 1
        Self.checkRateLimit(body.rateLimit, problems: &problems)
        let authorization = Self.authorization(body.authorization, problems: &problems)
        WebhookRules.headerProblems(body.headers ?? [:]).forEach { problems.check($0) }
        var secret = WebhookSecret.generate()
        if let custom = body.secret {
            if let parsed = WebhookSecret(custom) {
                secret = parsed
            } else {
                problems.add("/secret", "must be whsec_ followed by the base64 of 24 to 64 bytes")
            }
        }
        // An integration token's webhooks are its integration's, whether it says so or not.
        let integrationId = body.integrationId ?? principal.integrationId
        var owner: Integration?
        if let integrationId {
            owner =
                Identifier.isWellFormed(integrationId, .integration)
                ? try await dependencies.store.integrations.find(id: integrationId, in: principal.tenant(organization.id)) : nil
            if owner == nil { problems.add("/integrationId", "no integration \(integrationId.prefix(40)) in this organization") }
        }
        try problems.throwIfAny()
        try owner?.require(.outboundWebhooks)
        let now = dependencies.clock.nowMillis
        let webhook = Webhook(
            id: Identifier.make(.webhook, nowMillis: now), organizationId: organization.id, integrationId: integrationId, name: body.name,
            url: body.url, eventTypes: eventTypes, state: body.active == false ? .paused : .active, verifyTls: body.verifyTls ?? true,
            format: format, maxEventsPerRequest: maxEvents, authorization: authorization, headers: body.headers ?? [:], secret: secret,
            previousSecret: nil, previousSecretExpiresAt: nil, lastTriggeredAt: nil, lastStatus: nil, createdAt: now, updatedAt: now,
            rateLimit: body.rateLimit
        )
        try await dependencies.store.webhooks.insert(webhook)
        let (handshake, checked) = try await dependencies.handshake.run(webhook, organizationPath: organization.path, actor: principal.actor)
        return try JSONResponse.make(
            CreatedResource(resource: checked, secret: secret.encoded, handshake: handshake),
            status: .created,
            headers: [.location: "/v1/organizations/\(organization.id)/webhooks/\(webhook.id)", .cacheControl: "no-store"]
        )
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .webhooksRead)
        let listRequest = try request.listRequest(sortable: ["name", "url", "lastTriggeredAt", "state", "createdAt", "updatedAt"])
        return try JSONResponse.list(try await dependencies.store.webhooks.list(in: principal.tenant(organization.id), listRequest), request: request)
    }

    private func webhook(_ context: PatchbayRequestContext, scope: Scope) async throws -> Webhook {
        try await dependencies.webhook(context, scope: scope).1
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try JSONResponse.make(try await webhook(context, scope: .webhooksRead))
    }

    @Sendable func update(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        var webhook = try await webhook(context, scope: .webhooksWrite)
        let body = try await request.decode(UpdateBody.self, context: context)
        var problems = FieldProblems()
        if let name = body.name { problems.check(FieldRules.name(name, at: "/name")) }
        if let url = body.url { checkURL(url, problems: &problems) }
        var eventTypes: [String]?
        if let requested = body.eventTypes { eventTypes = try await checkEventTypes(requested, problems: &problems) }
        let format = Self.format(body.format, problems: &problems)
        let maxEvents = Self.maxEvents(body.maxEventsPerRequest, problems: &problems)
        if case .value(let limit) = body.rateLimit { Self.checkRateLimit(limit, problems: &problems) }
        if let headers = body.headers { WebhookRules.headerProblems(headers).forEach { problems.check($0) } }
        if let integrationId = body.integrationId, integrationId != webhook.integrationId {
            problems.add("/integrationId", "cannot be changed; create a webhook for the other integration")
        }
        var authorization = webhook.authorization
        switch body.authorization {
        case .absent: break
        case .null: authorization = nil
        case .value(let value): authorization = Self.authorization(value, problems: &problems)
        }
        try problems.throwIfAny()
        webhook.name = body.name ?? webhook.name
        webhook.url = body.url ?? webhook.url
        webhook.eventTypes = eventTypes ?? webhook.eventTypes
        webhook.format = format ?? webhook.format
        webhook.maxEventsPerRequest = maxEvents ?? webhook.maxEventsPerRequest
        switch body.rateLimit {
        case .absent: break
        case .null: webhook.rateLimit = nil
        case .value(let limit): webhook.rateLimit = limit
        }
        webhook.verifyTls = body.verifyTls ?? webhook.verifyTls
        webhook.headers = body.headers ?? webhook.headers
        webhook.authorization = authorization
        // Making a paused or disabled webhook active releases what it held, oldest first, in the same transaction.
        let resuming = body.active == true && !webhook.active
        if let active = body.active { webhook.state = active ? .active : .paused }
        webhook.updatedAt = dependencies.clock.nowMillis
        guard try await dependencies.store.webhooks.update(webhook, releasingHeld: resuming) else {
            throw PatchbayError.notFound("Webhook \(webhook.id)")
        }
        if resuming { webhook.heldCount = 0 }
        return try JSONResponse.make(webhook)
    }

    @Sendable func delete(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let webhook = try await webhook(context, scope: .webhooksWrite)
        let tenant = try context.requirePrincipal().tenant(webhook.organizationId)
        guard try await dependencies.store.webhooks.delete(id: webhook.id, in: tenant) else {
            throw PatchbayError.notFound("Webhook \(webhook.id)")
        }
        return JSONResponse.noContent()
    }

    @Sendable func secret(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let webhook = try await webhook(context, scope: .webhooksWrite)
        let now = dependencies.clock.nowMillis
        let secrets = webhook.signingSecrets(at: now)
        return try JSONResponse.make(
            SecretView(
                secret: webhook.secret.encoded,
                previousSecret: secrets.count > 1 ? secrets[1].encoded : nil,
                previousSecretExpiresAt: secrets.count > 1 ? webhook.previousSecretExpiresAt.map(Timestamp.format) : nil
            ),
            headers: [.cacheControl: "no-store"]
        )
    }

    @Sendable func rotate(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        var webhook = try await webhook(context, scope: .webhooksWrite)
        let body = try await request.decodeIfPresent(RotateBody.self, context: context)
        var next = WebhookSecret.generate()
        if let custom = body?.secret {
            guard let parsed = WebhookSecret(custom) else {
                throw PatchbayError.invalid("/secret", "must be whsec_ followed by the base64 of 24 to 64 bytes")
            }
            next = parsed
        }
        let now = dependencies.clock.nowMillis
        webhook.rotateSecret(to: next, at: now)
        guard try await dependencies.store.webhooks.update(webhook) else { throw PatchbayError.notFound("Webhook \(webhook.id)") }
        return try JSONResponse.make(
            SecretView(
                secret: next.encoded,
                previousSecret: webhook.previousSecret?.encoded,
                previousSecretExpiresAt: webhook.previousSecretExpiresAt.map(Timestamp.format)
            ),
            headers: [.cacheControl: "no-store"]
        )
    }

    /// `POST …/webhooks/{wh}/test`: a new handshake, reported like the one at creation.
    @Sendable func test(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let (organization, webhook) = try await dependencies.webhook(context, scope: .webhooksWrite)
        let (handshake, checked) = try await dependencies.handshake.run(webhook, organizationPath: organization.path, actor: principal.actor)
        return try JSONResponse.make(CreatedResource(resource: checked, handshake: handshake))
    }

    // MARK: - Checks

    private func checkURL(_ url: String, problems: inout FieldProblems) {
        if let problem = dependencies.addressPolicy.urlProblem(url) {
            problems.add("/url", problem)
        }
    }

    private func checkEventTypes(_ names: [String], problems: inout FieldProblems) async throws -> [String] {
        if names.count > WebhookRules.maxEventTypes { problems.add("/eventTypes", "must list at most \(WebhookRules.maxEventTypes) types") }
        var unique: [String] = []
        for (index, name) in names.prefix(WebhookRules.maxEventTypes).enumerated() where !unique.contains(name) {
            if try await dependencies.eventType(name) == nil {
                problems.add("/eventTypes/\(index)", "is not a known event type (see GET /v1/event-types)")
            }
            unique.append(name)
        }
        return unique
    }

    private static func format(_ text: String?, problems: inout FieldProblems) -> Webhook.Format? {
        guard let text else { return nil }
        guard let format = Webhook.Format(rawValue: text) else {
            problems.add("/format", "must be json or form")
            return nil
        }
        return format
    }

    private static func maxEvents(_ value: Int?, problems: inout FieldProblems) -> Int? {
        guard let value else { return nil }
        guard WebhookRules.maxEventsPerRequestRange.contains(value) else {
            problems.add("/maxEventsPerRequest", "must be from 1 to 100")
            return nil
        }
        return value
    }

    private static func checkRateLimit(_ value: Int?, problems: inout FieldProblems) {
        guard let value, !WebhookRules.rateLimitRange.contains(value) else { return }
        problems.add("/rateLimit", "must be from 1 to 10000 deliveries a second, or null for no limit")
    }

    private static func authorization(_ body: AuthorizationBody?, problems: inout FieldProblems) -> Webhook.Authorization? {
        guard let body else { return nil }
        guard let scheme = Webhook.Authorization.Scheme(rawValue: body.scheme) else {
            problems.add("/authorization/scheme", "must be Bearer or Token")
            return nil
        }
        if let problem = WebhookRules.authorizationTokenProblem(body.token) {
            problems.check(problem)
            return nil
        }
        return Webhook.Authorization(scheme: scheme, token: body.token)
    }
}
