import PatchbayCore
import PatchbayStorage

/// Inbound webhooks as their owners read them: the endpoints and the requests each received, with verdicts.
public struct InboundService: Sendable {
    let services: Services
    public static let sortable = ["name", "eventType", "createdAt", "updatedAt"]
    public static let requestsSortable = ["receivedAt", "createdAt"]

    public struct CreateInput: Decodable, Sendable {
        public var name: String
        public var eventType: String
        public var integrationId: String?
        public var verification: JSONValue?
        public var active: Bool?
    }

    public struct UpdateInput: Decodable, Sendable {
        public var name: String?
        public var eventType: String?
        public var verification: JSONValue?
        public var active: Bool?
    }

    /// A new inbound endpoint, and the secret generated for it (Standard Webhooks without one given), shown once.
    public func create(_ input: CreateInput, organizationId: String, by principal: Principal) async throws -> (InboundWebhook, String?) {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .webhooksWrite)
        var problems = FieldProblems()
        problems.check(FieldRules.name(input.name, at: "/name"))
        try await checkEventType(input.eventType, problems: &problems)
        var verification = Self.verification(input.verification ?? ["scheme": "none"], problems: &problems)
        var generated: String?
        if verification?.scheme == .standardWebhooks, verification?.secret == nil {
            generated = WebhookSecret.generate().encoded
            verification?.secret = generated
        }
        verification?.problems().forEach { problems.check($0) }
        var actor: Actor?
        var owner: Integration?
        // An integration token's endpoints are its integration's, whether it says so or not.
        let integrationId = input.integrationId ?? principal.integrationId
        if let integrationId {
            if Identifier.isWellFormed(integrationId, .integration),
                let integration = try await services.store.integrations.find(id: integrationId, in: principal.tenant(organization.id))
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
        let now = services.clock.nowMillis
        let id = Identifier.make(.inbound, nowMillis: now)
        let inbound = InboundWebhook(
            id: id, organizationId: organization.id, integrationId: integrationId, name: input.name, eventType: input.eventType,
            verification: verification, urlToken: InboundWebhook.makeURLToken(), active: input.active ?? true,
            actor: actor ?? Actor(type: .inbound, id: id), createdAt: now, updatedAt: now)
        try await services.store.inbound.insert(inbound)
        return (inbound, generated)
    }

    public func update(_ id: String, _ input: UpdateInput, organizationId: String, by principal: Principal) async throws -> InboundWebhook {
        var inbound = try await get(id, organizationId: organizationId, by: principal, scope: .webhooksWrite)
        var problems = FieldProblems()
        if let name = input.name { problems.check(FieldRules.name(name, at: "/name")) }
        if let eventType = input.eventType { try await checkEventType(eventType, problems: &problems) }
        var verification: InboundVerification?
        if let value = input.verification {
            verification = Self.verification(value, problems: &problems)
            verification?.problems().forEach { problems.check($0) }
        }
        try problems.throwIfAny()
        inbound.name = input.name ?? inbound.name
        inbound.eventType = input.eventType ?? inbound.eventType
        inbound.verification = verification ?? inbound.verification
        inbound.active = input.active ?? inbound.active
        inbound.updatedAt = services.clock.nowMillis
        guard try await services.store.inbound.update(inbound) else { throw PatchbayError.notFound("Inbound webhook \(inbound.id)") }
        services.inboundLookup.forget(token: inbound.urlToken)
        return inbound
    }

    /// Deletes the endpoint (its URL stops answering at once on this instance); returns it.
    @discardableResult
    public func delete(_ id: String, organizationId: String, by principal: Principal) async throws -> InboundWebhook {
        let inbound = try await get(id, organizationId: organizationId, by: principal, scope: .webhooksWrite)
        guard try await services.store.inbound.delete(id: inbound.id, in: principal.tenant(inbound.organizationId)) else {
            throw PatchbayError.notFound("Inbound webhook \(inbound.id)")
        }
        services.inboundLookup.forget(token: inbound.urlToken)
        return inbound
    }

    public func list(organizationId: String, _ request: ListRequest, by principal: Principal) async throws -> Page<InboundWebhook> {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .webhooksRead)
        return try await services.store.inbound.list(in: principal.tenant(organization.id), request)
    }

    public func get(_ id: String, organizationId: String, by principal: Principal, scope: Scope = .webhooksRead) async throws -> InboundWebhook {
        let organization = try await services.access.organization(organizationId, for: principal, scope: scope)
        guard Identifier.isWellFormed(id, .inbound),
            let inbound = try await services.store.inbound.find(id: id, in: principal.tenant(organization.id))
        else { throw PatchbayError.notFound("Inbound webhook \(id.prefix(40))") }
        return inbound
    }

    public func requests(
        _ id: String, organizationId: String, verdict: InboundRequest.Verdict?, _ request: ListRequest, by principal: Principal
    ) async throws -> Page<InboundRequest> {
        let inbound = try await get(id, organizationId: organizationId, by: principal)
        return try await services.store.inbound.requests(
            inboundWebhookId: inbound.id, organizationId: inbound.organizationId, verdict: verdict, request)
    }

    // MARK: - Checks

    private func checkEventType(_ name: String, problems: inout FieldProblems) async throws {
        guard let type = try await services.eventTypes.find(name) else {
            problems.add("/eventType", "is not a registered event type (register it with POST /v1/event-types)")
            return
        }
        if type.builtIn { problems.add("/eventType", "is emitted by Patchbay itself; inbound requests need a host event type") }
    }

    public static let verificationFields = ["scheme", "secret", "header", "encoding", "username", "password"]

    /// Reads a `verification` object field by field, so every problem has its pointer.
    public static func verification(_ value: JSONValue, problems: inout FieldProblems) -> InboundVerification? {
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
