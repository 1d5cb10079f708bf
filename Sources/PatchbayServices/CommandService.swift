import PatchbayCore
import PatchbayDelivery
import PatchbayStorage

/// Slash commands: an integration's own (created, listed, renamed, deleted; names unique among the integrations
/// installed beside it), and those an organization can use (of published integrations installed there).
public struct CommandService: Sendable {
    let services: Services
    public static let sortable = ["name", "createdAt", "updatedAt"]
    public static let maxUsageCharacters = 200

    public struct CreateInput: Decodable, Sendable {
        public var name: String
        public var description: String?
        public var usage: String?
    }

    public struct UpdateInput: Decodable, Sendable {
        public var name: String?
        public var description: String?
        public var usage: PatchValue<String> = .absent

        enum CodingKeys: String, CodingKey { case name, description, usage }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decodeIfPresent(String.self, forKey: .name)
            description = try container.decodeIfPresent(String.self, forKey: .description)
            usage = try PatchValue(container, .usage)
        }
    }

    private var store: Store { services.store }

    private func integration(_ id: String, organizationId: String, by principal: Principal, scope: Scope) async throws -> Integration {
        let organization = try await services.access.organization(organizationId, for: principal, scope: scope)
        return try await services.access.integration(id, in: organization, for: principal)
    }

    private static func checkCommandable(_ integration: Integration) throws {
        try integration.require(.slashCommands)
        guard integration.endpoint != nil else {
            throw PatchbayError(
                .conflict, "Integration \(integration.id) has no endpoint; slash commands are answered by an endpoint integration.")
        }
    }

    private static func checkFields(name: String?, description: String?, usage: String?, problems: inout FieldProblems) {
        if let name, let problem = SlashCommand.nameProblem(name) { problems.add("/name", problem) }
        if let description { problems.check(FieldRules.text(description, at: "/description")) }
        if let usage, usage.count > maxUsageCharacters || usage.contains(where: \.isNewline) {
            problems.add("/usage", "must be one line of at most \(maxUsageCharacters) characters")
        }
    }

    /// 409 naming both integrations when another integration installed beside this one has a command of that name.
    private func checkClashes(_ name: String, integration: Integration) async throws {
        if let clash = try await store.commands.clashes(name: name, integrationId: integration.id).first {
            throw PatchbayError(
                .conflict,
                "The command /\(name) of integration \(integration.id) (\(integration.name)) would clash with /\(clash.name) of integration "
                    + "\(clash.integrationId) (\(clash.integrationName)), installed beside it in \(clash.organizationId).")
        }
    }

    public func create(_ input: CreateInput, integrationId: String, organizationId: String, by principal: Principal) async throws -> SlashCommand {
        let integration = try await integration(integrationId, organizationId: organizationId, by: principal, scope: .integrationsWrite)
        var problems = FieldProblems()
        Self.checkFields(name: input.name, description: input.description ?? "", usage: input.usage, problems: &problems)
        try problems.throwIfAny()
        try Self.checkCommandable(integration)
        try await checkClashes(input.name, integration: integration)
        let now = services.clock.nowMillis
        let command = SlashCommand(
            id: Identifier.make(.command, nowMillis: now), integrationId: integration.id, organizationId: integration.organizationId,
            name: input.name, description: input.description ?? "", usage: input.usage, createdAt: now, updatedAt: now)
        do {
            try await store.commands.insert(command)
        } catch StorageError.uniqueViolation {
            throw PatchbayError(.conflict, "Integration \(integration.id) already has a command /\(input.name).")
        }
        return command
    }

    public func list(integrationId: String, organizationId: String, _ request: ListRequest, by principal: Principal) async throws -> Page<
        SlashCommand
    > {
        let integration = try await integration(integrationId, organizationId: organizationId, by: principal, scope: .integrationsRead)
        return try await store.commands.list(of: integration, request)
    }

    public func get(_ id: String, integrationId: String, organizationId: String, by principal: Principal, scope: Scope = .integrationsRead)
        async throws -> SlashCommand
    {
        let integration = try await integration(integrationId, organizationId: organizationId, by: principal, scope: scope)
        guard Identifier.isWellFormed(id, .command), let command = try await store.commands.find(id: id, of: integration) else {
            throw PatchbayError.notFound("Command \(id.prefix(40))")
        }
        return command
    }

    public func update(_ id: String, _ input: UpdateInput, integrationId: String, organizationId: String, by principal: Principal) async throws
        -> SlashCommand
    {
        let integration = try await integration(integrationId, organizationId: organizationId, by: principal, scope: .integrationsWrite)
        var command = try await get(id, integrationId: integration.id, organizationId: organizationId, by: principal, scope: .integrationsWrite)
        var problems = FieldProblems()
        var usage: String?
        if case .value(let value) = input.usage { usage = value }
        Self.checkFields(name: input.name, description: input.description, usage: usage, problems: &problems)
        try problems.throwIfAny()
        if let name = input.name, name != command.name {
            try Self.checkCommandable(integration)
            try await checkClashes(name, integration: integration)
        }
        command.name = input.name ?? command.name
        command.description = input.description ?? command.description
        command.usage = input.usage.applied(to: command.usage)
        command.updatedAt = services.clock.nowMillis
        do {
            guard try await store.commands.update(command) else { throw PatchbayError.notFound("Command \(command.id)") }
        } catch StorageError.uniqueViolation {
            throw PatchbayError(.conflict, "Integration \(integration.id) already has a command /\(command.name).")
        }
        return command
    }

    public func delete(_ id: String, integrationId: String, organizationId: String, by principal: Principal) async throws {
        let integration = try await integration(integrationId, organizationId: organizationId, by: principal, scope: .integrationsWrite)
        let command = try await get(id, integrationId: integration.id, organizationId: organizationId, by: principal, scope: .integrationsWrite)
        guard try await store.commands.delete(id: command.id, of: integration) else { throw PatchbayError.notFound("Command \(command.id)") }
    }

    /// The commands usable in the organization whose names start with `prefix` (normalized, without the slash).
    public func usable(organizationId: String, prefix: String, by principal: Principal) async throws -> [CommandRepository.Usable] {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .actionsRun)
        return try await services.store.commands.usable(in: organization.id, integrationId: principal.integrationId)
            .filter { $0.features.contains(.slashCommands) && (prefix.isEmpty || $0.command.name.hasPrefix(prefix)) }
    }

    // MARK: - History and deferred responses

    public static let invocationsSortable = ["createdAt", "latencyMs"]

    /// The organization's invocations (an integration token sees its own integration's only).
    public func invocations(
        organizationId: String, outcome: CommandInvocation.Outcome?, command: String?, _ request: ListRequest, by principal: Principal
    ) async throws -> Page<CommandInvocation> {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .actionsRun)
        return try await store.commands.invocations(in: principal.tenant(organization.id), outcome: outcome, command: command, request)
    }

    public func invocation(_ id: String, organizationId: String, by principal: Principal) async throws -> CommandInvocation {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .actionsRun)
        guard Identifier.isWellFormed(id, .commandInvocation),
            let invocation = try await store.commands.invocation(id: id, in: principal.tenant(organization.id))
        else { throw PatchbayError.notFound("Invocation \(id.prefix(40))") }
        return invocation
    }

    /// The grant sealed in a response URL's token, if the token is one this server made and it has not expired.
    public func grant(token: String) throws -> CommandResponseGrant {
        guard let grant = CommandResponseGrant.open(token, with: store.secrets) else { throw PatchbayError.notFound("Response URL") }
        guard services.clock.nowMillis < grant.expiresAt else {
            throw PatchbayError(.gone, "This response URL expired \(CommandResponseGrant.lifetimeMillis / 60_000) minutes after the command.")
        }
        return grant
    }

    /// A deferred reply posted to a response URL (the sealed grant is the capability): at most
    /// `CommandResponseGrant.maxResponses` within its lifetime, each stored with a `command.responded` event.
    public func respond(grant: CommandResponseGrant, reply: CommandReply) async throws -> (eventId: String, sequence: Int) {
        let now = services.clock.nowMillis
        guard now < grant.expiresAt else {
            throw PatchbayError(.gone, "This response URL expired \(CommandResponseGrant.lifetimeMillis / 60_000) minutes after the command.")
        }
        guard let organization = try await store.organizations.find(id: grant.organizationId) else {
            throw PatchbayError(.gone, "The organization of this command no longer exists.")
        }
        let data: JSONValue = [
            "invocationId": .string(grant.invocationId), "command": .string("/" + grant.command), "userId": .string(grant.userId),
            "text": reply.text.map(JSONValue.string) ?? .null, "blocks": reply.blocks.map(JSONValue.array) ?? .null,
            "responseType": .string(reply.responseType.rawValue),
        ]
        let event = try Event.describing(
            data, type: "command.responded", organizationId: organization.id, organizationPath: organization.path,
            actor: Actor(type: .integration, id: grant.integrationId), at: now)
        guard
            let sequence = try await store.commands.respond(
                invocationId: grant.invocationId, organizationId: organization.id, reply: reply, event: event,
                limit: CommandResponseGrant.maxResponses, now: now)
        else {
            throw PatchbayError(.gone, "This response URL has been used \(CommandResponseGrant.maxResponses) times, its limit.")
        }
        return (event.id, Int(sequence))
    }

    // MARK: - Invoking

    public static let maxTextCharacters = 4_000

    public struct InvokeInput: Decodable, Sendable {
        public var command: String
        public var text: String?
        public var userId: String
        public var context: JSONValue?
    }

    /// Sends the signed `command.invoked` request to the command's integration and waits up to `timeoutMillis` for
    /// its answer; the invocation is recorded whatever happens. `responseBase` is where the integration posts
    /// deferred replies (`<base>/r/<sealed grant>`).
    public func invoke(
        _ input: InvokeInput, organizationId: String, timeoutMillis: Int64, responseBase: String, by principal: Principal
    ) async throws -> CommandInvocation {
        let organization = try await services.access.organization(organizationId, for: principal, scope: .actionsRun)
        var problems = FieldProblems()
        let name = SlashCommand.normalized(input.command)
        if SlashCommand.nameProblem(name) != nil { problems.add("/command", "must be a command such as /deploy") }
        let text = input.text ?? ""
        if text.count > Self.maxTextCharacters { problems.add("/text", "must be at most \(Self.maxTextCharacters) characters") }
        if let context = input.context, case .object = context {} else if input.context != nil { problems.add("/context", "must be an object") }
        var user: User?
        if Identifier.isWellFormed(input.userId, .user) { user = try await store.users.find(id: input.userId, organizationId: organization.id) }
        if user == nil { problems.add("/userId", "no user \(input.userId.prefix(40)) in this organization") }
        try problems.throwIfAny()
        guard let user else { throw PatchbayError.validation([]) }

        // An integration token invokes its own integration's commands only; the others do not exist for it.
        let own = principal.integrationId
        guard let found = try await store.commands.usable(in: organization.id, named: name, integrationId: own, limit: 1).first else {
            let known = try await store.commands.usable(in: organization.id, integrationId: own, limit: 50)
                .filter { $0.features.contains(.slashCommands) }.map { "/" + $0.command.name }
            throw PatchbayError(
                .notFound,
                "No command /\(name.prefix(40)) in this organization; "
                    + (known.isEmpty ? "none are installed." : "known commands: \(known.joined(separator: ", ")).")
            )
        }
        guard found.features.contains(.slashCommands) else {
            throw PatchbayError(
                .conflict, "Integration \(found.command.integrationId) does not declare the slashCommands feature; /\(name) cannot be invoked.")
        }
        guard let webhookId = found.endpointWebhookId,
            let endpoint = try await store.webhooks.find(id: webhookId, in: Tenant(organizationId: found.command.organizationId))
        else {
            throw PatchbayError(.conflict, "Integration \(found.command.integrationId) has no endpoint to answer /\(name).")
        }

        let now = services.clock.nowMillis
        let id = Identifier.make(.commandInvocation, nowMillis: now)
        let grant = CommandResponseGrant(
            invocationId: id, organizationId: organization.id, integrationId: found.command.integrationId, command: name, userId: user.id,
            expiresAt: now + CommandResponseGrant.lifetimeMillis)
        let payload: JSONValue = [
            "id": .string(id), "command": .string("/" + name), "text": .string(text), "organizationId": .string(organization.id),
            "user": ["id": .string(user.id), "name": .string(user.name)], "context": input.context ?? [:],
            "responseUrl": .string(responseBase + "/r/" + (try grant.token(sealedWith: store.secrets))),
            "issuedAt": .string(Timestamp.format(now)),
        ]
        var invocation = CommandInvocation(
            id: id, organizationId: organization.id, integrationId: found.command.integrationId, commandId: found.command.id, command: name,
            userId: user.id, text: text, request: payload, outcome: .failed, answer: nil, statusCode: nil, latencyMs: 0, error: nil,
            createdAt: now)
        let started = ContinuousClock.now
        do {
            let answer = try await services.caller.call(endpoint, payload: JSONText.encode(payload), timeout: .milliseconds(timeoutMillis))
            invocation.statusCode = answer.status
            invocation.latencyMs = Int64(answer.durationMs)
            if answer.status == 202 || answer.body.isEmpty {
                invocation.outcome = .deferred
            } else {
                switch CommandReply.parse(JSONText.decode(answer.body) ?? .null) {
                case .success(let reply):
                    invocation.outcome = .answered
                    invocation.answer = reply
                case .failure(let problem):
                    let reason = problem.errors.first.map { "\($0.pointer ?? "") \($0.message)" } ?? problem.detail
                    throw PatchbayError(.badGateway, "The integration's answer is not a command reply: \(reason.trimmingWhitespace()).")
                }
            }
        } catch let error as PatchbayError {
            invocation.outcome = error.kind == .gatewayTimeout ? .timedOut : .failed
            invocation.error = error.detail
            invocation.latencyMs = Self.millis(since: started)
            try await store.commands.record(invocation)
            throw error
        }
        try await store.commands.record(invocation)
        return invocation
    }

    static func millis(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }
}
