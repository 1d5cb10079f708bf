import Hummingbird
import PatchbayCore
import PatchbayServices
import PatchbayStorage

/// `/v1/organizations/{org}/inbound-webhooks`: inbound endpoints, their verification and their request history.
/// The public `/in/…` URL they receive on is `InboundReceiver`.
struct InboundWebhooksController {
    let dependencies: APIDependencies
    /// Forgets an endpoint's cached settings when they change here.
    let lookup: InboundLookup

    struct CreateBody: RequestBody {
        static let fields: Set<String> = ["name", "eventType", "integrationId", "verification", "active"]
        var name: String
        var eventType: String
        var integrationId: String?
        var verification: JSONValue?
        var active: Bool?
    }

    struct UpdateBody: RequestBody {
        static let fields: Set<String> = ["name", "eventType", "verification", "active"]
        var name: String?
        var eventType: String?
        var verification: JSONValue?
        var active: Bool?
    }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("createInboundWebhook", create)
        router.serve("listInboundWebhooks", list)
        router.serve("getInboundWebhook", get)
        router.serve("updateInboundWebhook", update)
        router.serve("deleteInboundWebhook", delete)
        router.serve("listInboundRequests", requests)
    }

    @Sendable func create(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .webhooksWrite)
        let body = try await request.decode(CreateBody.self, context: context)
        var problems = FieldProblems()
        problems.check(FieldRules.name(body.name, at: "/name"))
        try await checkEventType(body.eventType, problems: &problems)
        var verification = Self.verification(body.verification ?? ["scheme": "none"], problems: &problems)
        var generated: String?
        if verification?.scheme == .standardWebhooks, verification?.secret == nil {
            generated = WebhookSecret.generate().encoded
            verification?.secret = generated
        }
        verification?.problems().forEach { problems.check($0) }
        var actor: Actor?
        var owner: Integration?
        // An integration token's endpoints are its integration's, whether it says so or not.
        let integrationId = body.integrationId ?? principal.integrationId
        if let integrationId {
            if Identifier.isWellFormed(integrationId, .integration),
                let integration = try await dependencies.store.integrations.find(id: integrationId, in: principal.tenant(organization.id))
            {
                owner = integration
                actor = Actor(type: .integration, id: integration.id, userId: integration.userId)
            } else {
                problems.add("/integrationId", "no integration \(integrationId.prefix(40)) in this organization")
            }
        }
        try problems.throwIfAny()
        try owner?.require(.inboundWebhooks)
        guard let verification else { throw PatchbayError.validation([]) }
        let now = dependencies.clock.nowMillis
        let id = Identifier.make(.inbound, nowMillis: now)
        let inbound = InboundWebhook(
            id: id, organizationId: organization.id, integrationId: integrationId, name: body.name, eventType: body.eventType,
            verification: verification, urlToken: InboundWebhook.makeURLToken(), active: body.active ?? true,
            actor: actor ?? Actor(type: .inbound, id: id), createdAt: now, updatedAt: now)
        try await dependencies.store.inbound.insert(inbound)
        return try JSONResponse.make(
            CreatedResource(resource: inbound, secret: generated), status: .created,
            headers: [.location: "/v1/organizations/\(organization.id)/inbound-webhooks/\(inbound.id)", .cacheControl: "no-store"])
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .webhooksRead)
        let listRequest = try request.listRequest(sortable: InboundService.sortable)
        return try JSONResponse.list(
            try await dependencies.services.inbound.list(organizationId: context.parameters.value("org"), listRequest, by: principal),
            request: request)
    }

    private func inbound(_ context: PatchbayRequestContext, scope: Scope) async throws -> InboundWebhook {
        try await dependencies.services.inbound.get(
            context.parameters.value("inb"), organizationId: context.parameters.value("org"), by: try context.requirePrincipal(), scope: scope)
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try JSONResponse.make(try await inbound(context, scope: .webhooksRead))
    }

    @Sendable func update(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        var inbound = try await inbound(context, scope: .webhooksWrite)
        let body = try await request.decode(UpdateBody.self, context: context)
        var problems = FieldProblems()
        if let name = body.name { problems.check(FieldRules.name(name, at: "/name")) }
        if let eventType = body.eventType { try await checkEventType(eventType, problems: &problems) }
        var verification: InboundVerification?
        if let value = body.verification {
            verification = Self.verification(value, problems: &problems)
            verification?.problems().forEach { problems.check($0) }
        }
        try problems.throwIfAny()
        inbound.name = body.name ?? inbound.name
        inbound.eventType = body.eventType ?? inbound.eventType
        inbound.verification = verification ?? inbound.verification
        inbound.active = body.active ?? inbound.active
        inbound.updatedAt = dependencies.clock.nowMillis
        guard try await dependencies.store.inbound.update(inbound) else { throw PatchbayError.notFound("Inbound webhook \(inbound.id)") }
        lookup.forget(token: inbound.urlToken)
        return try JSONResponse.make(inbound)
    }

    @Sendable func delete(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let inbound = try await inbound(context, scope: .webhooksWrite)
        let tenant = try context.requirePrincipal().tenant(inbound.organizationId)
        guard try await dependencies.store.inbound.delete(id: inbound.id, in: tenant) else {
            throw PatchbayError.notFound("Inbound webhook \(inbound.id)")
        }
        lookup.forget(token: inbound.urlToken)
        return JSONResponse.noContent()
    }

    @Sendable func requests(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let inbound = try await inbound(context, scope: .webhooksRead)
        let listRequest = try request.listRequest(sortable: InboundService.requestsSortable)
        var verdict: InboundRequest.Verdict?
        if let text = request.uri.queryParameters["verdict"] {
            guard let parsed = InboundRequest.Verdict(rawValue: String(text)) else {
                throw PatchbayError.invalidParameter("verdict", "must be one of verified, unverified, invalid")
            }
            verdict = parsed
        }
        return try JSONResponse.list(
            try await dependencies.store.inbound.requests(
                inboundWebhookId: inbound.id, organizationId: inbound.organizationId, verdict: verdict, listRequest), request: request)
    }

    // MARK: - Checks

    private func checkEventType(_ name: String, problems: inout FieldProblems) async throws {
        guard let type = try await dependencies.eventType(name) else {
            problems.add("/eventType", "is not a registered event type (register it with POST /v1/event-types)")
            return
        }
        if type.builtIn { problems.add("/eventType", "is emitted by Patchbay itself; inbound requests need a host event type") }
    }

    static let verificationFields = ["scheme", "secret", "header", "encoding", "username", "password"]

    /// Reads a `verification` object field by field, so every problem has its pointer.
    static func verification(_ value: JSONValue, problems: inout FieldProblems) -> InboundVerification? {
        guard case .object(let members) = value else {
            problems.add("/verification", "must be an object {scheme, …}")
            return nil
        }
        for key in members.keys.sorted() where !verificationFields.contains(key) {
            problems.add("/verification/" + JSONPointer.escape(key), "is not a known field (\(verificationFields.joined(separator: ", ")))")
        }
        var strings: [String: String] = [:]
        for key in verificationFields {
            switch members[key] {
            case nil, .null?: break
            case .string(let text)?:
                if text.utf8.count > 4096 { problems.add("/verification/\(key)", "must be at most 4096 bytes") } else { strings[key] = text }
            default: problems.add("/verification/\(key)", "must be a string")
            }
        }
        let schemes = InboundVerification.Scheme.allCases.map(\.rawValue).joined(separator: ", ")
        guard let schemeText = strings["scheme"] else {
            problems.add("/verification/scheme", "is required (one of \(schemes))")
            return nil
        }
        guard let scheme = InboundVerification.Scheme(rawValue: schemeText) else {
            problems.add("/verification/scheme", "must be one of \(schemes)")
            return nil
        }
        var encoding: InboundVerification.Encoding?
        if let text = strings["encoding"] {
            encoding = InboundVerification.Encoding(rawValue: text)
            if encoding == nil { problems.add("/verification/encoding", "must be hex or base64") }
        }
        return InboundVerification(
            scheme: scheme, secret: strings["secret"], header: strings["header"], encoding: encoding, username: strings["username"],
            password: strings["password"])
    }
}
