import Foundation
import PatchbayCore

/// Slash commands, their invocations (the history) and the deferred responses posted to response URLs.
public struct CommandRepository: Sendable {
    let driver: any DatabaseDriver
    static let pagination = KeysetPagination(columns: ["name": "name", "createdAt": "created_at", "updatedAt": "updated_at"])
    static let invocationPagination = KeysetPagination(columns: ["createdAt": "created_at", "latencyMs": "latency_ms"])

    /// A command usable in an organization, with what invoking it needs of its integration.
    public struct Usable: Sendable {
        public var command: SlashCommand
        public var integrationName: String
        public var features: [Integration.Feature]
        public var endpointWebhookId: String?
    }

    /// Another integration's command that a name would clash with, and where.
    public struct Clash: Sendable, Equatable {
        public var name: String
        public var integrationId: String
        public var integrationName: String
        public var organizationId: String
    }

    // MARK: - Commands

    /// Adds a command; a second command of the same name on the integration is a unique violation.
    public func insert(_ command: SlashCommand) async throws {
        _ = try await driver.query(
            """
            INSERT INTO commands (id, integration_id, organization_id, name, description, usage, search_text, created_at, updated_at)
            VALUES (\(command.id), \(command.integrationId), \(command.organizationId), \(command.name), \(command.description),
                    \(command.usage), \(searchText(command.name, command.description)), \(command.createdAt), \(command.updatedAt))
            """
        )
    }

    public func list(of integration: Integration, _ request: ListRequest) async throws -> Page<SlashCommand> {
        try await Self.pagination.page(
            on: driver,
            select: "SELECT * FROM commands WHERE integration_id = \(integration.id) AND organization_id = \(integration.organizationId)",
            request: request, decode: Self.decode)
    }

    public func find(id: String, of integration: Integration) async throws -> SlashCommand? {
        try await driver.query(
            "SELECT * FROM commands WHERE id = \(id) AND integration_id = \(integration.id) AND organization_id = \(integration.organizationId)"
        ).first.map(Self.decode)
    }

    /// Saves name, description and usage; false when the command no longer exists.
    public func update(_ command: SlashCommand) async throws -> Bool {
        try await !driver.query(
            """
            UPDATE commands SET name = \(command.name), description = \(command.description), usage = \(command.usage),
                search_text = \(searchText(command.name, command.description)), updated_at = \(command.updatedAt)
            WHERE id = \(command.id) AND integration_id = \(command.integrationId) AND organization_id = \(command.organizationId) RETURNING id
            """
        ).isEmpty
    }

    public func delete(id: String, of integration: Integration) async throws -> Bool {
        try await !driver.query(
            """
            DELETE FROM commands WHERE id = \(id) AND integration_id = \(integration.id) AND organization_id = \(integration.organizationId)
            RETURNING id
            """
        ).isEmpty
    }

    /// The commands of published integrations installed in `organizationId` (one name, when given), by name; only
    /// `integrationId`'s when given (an integration token sees its own commands alone).
    public func usable(in organizationId: String, named name: String? = nil, integrationId: String? = nil, limit: Int = 1_000) async throws
        -> [Usable]
    {
        var query: SQLQuery = """
            SELECT commands.*, integrations.name AS integration_name, integrations.features AS integration_features,
                   integrations.endpoint_webhook_id AS endpoint_webhook_id
            FROM commands
            JOIN integrations ON integrations.id = commands.integration_id
            JOIN installations ON installations.integration_id = commands.integration_id AND installations.organization_id = \(organizationId)
            WHERE integrations.status = 'published'
            """
        if let name { query = query + " AND commands.name = \(name)" }
        if let integrationId { query = query + " AND commands.integration_id = \(integrationId)" }
        query = query + " ORDER BY commands.name, commands.id LIMIT \(limit)"
        return try await driver.query(query).map { row in
            Usable(
                command: try Self.decode(row), integrationName: try row.string("integration_name"),
                features: try JSONDecoder().decode([String].self, from: Data(try row.string("integration_features").utf8))
                    .compactMap(Integration.Feature.init(rawValue:)),
                endpointWebhookId: try row.optionalString("endpoint_webhook_id"))
        }
    }

    /// Commands named `name` of other integrations installed in an organization where `integrationId` is installed.
    public func clashes(name: String, integrationId: String) async throws -> [Clash] {
        try await driver.query(
            """
            SELECT other.name AS name, other.integration_id AS integration_id, integrations.name AS integration_name,
                   mine.organization_id AS organization_id
            FROM installations mine
            JOIN installations theirs ON theirs.organization_id = mine.organization_id AND theirs.integration_id <> mine.integration_id
            JOIN commands other ON other.integration_id = theirs.integration_id AND other.name = \(name)
            JOIN integrations ON integrations.id = other.integration_id
            WHERE mine.integration_id = \(integrationId)
            ORDER BY mine.organization_id LIMIT 10
            """
        ).map(Self.decodeClash)
    }

    /// Commands of integrations installed in `organizationId` that share a name with one of `integrationId`'s.
    public func clashes(installing integrationId: String, into organizationId: String) async throws -> [Clash] {
        try await driver.query(
            """
            SELECT other.name AS name, other.integration_id AS integration_id, integrations.name AS integration_name,
                   installations.organization_id AS organization_id
            FROM commands mine
            JOIN commands other ON other.name = mine.name AND other.integration_id <> mine.integration_id
            JOIN installations ON installations.integration_id = other.integration_id AND installations.organization_id = \(organizationId)
            JOIN integrations ON integrations.id = other.integration_id
            WHERE mine.integration_id = \(integrationId)
            ORDER BY other.name LIMIT 10
            """
        ).map(Self.decodeClash)
    }

    // MARK: - Invocations

    public func record(_ invocation: CommandInvocation) async throws {
        let answer = try invocation.answer.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        _ = try await driver.query(
            """
            INSERT INTO command_invocations (id, organization_id, integration_id, command_id, command, user_id, text, request, outcome,
                                             answer, status_code, latency_ms, error, search_text, created_at)
            VALUES (\(invocation.id), \(invocation.organizationId), \(invocation.integrationId), \(invocation.commandId),
                    \(invocation.command), \(invocation.userId), \(invocation.text), \(String(decoding: JSONText.encode(invocation.request), as: UTF8.self)),
                    \(invocation.outcome.rawValue), \(answer), \(invocation.statusCode.map(Int64.init)), \(invocation.latencyMs),
                    \(invocation.error), \(searchText(invocation.command, invocation.text, invocation.userId)), \(invocation.createdAt))
            """
        )
    }

    /// The organization's invocations; `search` finds the command, its text or the user.
    public func invocations(
        in tenant: Tenant, outcome: CommandInvocation.Outcome?, command: String?, _ request: ListRequest
    ) async throws -> Page<CommandInvocation> {
        var select: SQLQuery = "SELECT * FROM command_invocations WHERE \(tenant.condition())"
        if let outcome { select = select + " AND outcome = \(outcome.rawValue)" }
        if let command { select = select + " AND command = \(command)" }
        return try await Self.invocationPagination.page(on: driver, select: select, request: request, decode: Self.decodeInvocation)
    }

    /// The invocation with its deferred responses.
    public func invocation(id: String, in tenant: Tenant) async throws -> CommandInvocation? {
        guard
            var invocation = try await driver.query(
                "SELECT * FROM command_invocations WHERE id = \(id) AND \(tenant.condition())"
            ).first.map(Self.decodeInvocation)
        else { return nil }
        let organizationId = tenant.organizationId
        invocation.responses = try await driver.query(
            "SELECT * FROM command_responses WHERE invocation_id = \(id) AND organization_id = \(organizationId) ORDER BY seq"
        ).compactMap { row in
            let body = try JSONDecoder().decode(JSONValue.self, from: Data(try row.string("body").utf8))
            guard case .success(let reply) = CommandReply.parse(body) else { return nil }
            return CommandInvocation.Response(
                sequence: Int(try row.int("seq")), reply: reply, eventId: try row.string("event_id"), receivedAt: try row.int("received_at"))
        }
        return invocation
    }

    /// Stores a deferred response with its event (delivered like any event) in one transaction, as the next of at most
    /// `limit`; nil when the limit is reached.
    public func respond(
        invocationId: String, organizationId: String, reply: CommandReply, event: Event, limit: Int, now: Int64
    ) async throws -> Int? {
        let body = String(decoding: try JSONEncoder().encode(reply), as: UTF8.self)
        // Two responses racing for the same slot: the loser's insert violates the key, and it tries the next slot.
        for _ in 0..<limit {
            do {
                return try await driver.transaction { connection -> Int? in
                    let used =
                        try await connection.query(
                            "SELECT COUNT(*) AS n FROM command_responses WHERE invocation_id = \(invocationId)"
                        ).first?.int("n") ?? 0
                    guard used < Int64(limit) else { return nil }
                    _ = try await connection.query(
                        """
                        INSERT INTO command_responses (invocation_id, seq, organization_id, body, event_id, received_at)
                        VALUES (\(invocationId), \(used + 1), \(organizationId), \(body), \(event.id), \(now))
                        """
                    )
                    try await EventRepository.insert(event, on: connection)
                    return Int(used + 1)
                }
            } catch StorageError.uniqueViolation {
                continue
            }
        }
        return nil
    }

    // MARK: - Rows

    static func decode(_ row: SQLRow) throws -> SlashCommand {
        SlashCommand(
            id: try row.string("id"), integrationId: try row.string("integration_id"), organizationId: try row.string("organization_id"),
            name: try row.string("name"), description: try row.string("description"), usage: try row.optionalString("usage"),
            createdAt: try row.int("created_at"), updatedAt: try row.int("updated_at"))
    }

    static func decodeClash(_ row: SQLRow) throws -> Clash {
        Clash(
            name: try row.string("name"), integrationId: try row.string("integration_id"), integrationName: try row.string("integration_name"),
            organizationId: try row.string("organization_id"))
    }

    static func decodeInvocation(_ row: SQLRow) throws -> CommandInvocation {
        let decoder = JSONDecoder()
        let answer = try row.optionalString("answer").flatMap { text -> CommandReply? in
            let value = try decoder.decode(JSONValue.self, from: Data(text.utf8))
            if case .success(let reply) = CommandReply.parse(value) { return reply }
            return nil
        }
        return CommandInvocation(
            id: try row.string("id"), organizationId: try row.string("organization_id"), integrationId: try row.string("integration_id"),
            commandId: try row.string("command_id"), command: try row.string("command"), userId: try row.string("user_id"),
            text: try row.string("text"), request: try decoder.decode(JSONValue.self, from: Data(try row.string("request").utf8)),
            outcome: CommandInvocation.Outcome(rawValue: try row.string("outcome")) ?? .failed, answer: answer,
            statusCode: try row.optionalInt("status_code").map { Int(clamping: $0) }, latencyMs: try row.int("latency_ms"),
            error: try row.optionalString("error"), createdAt: try row.int("created_at"))
    }
}
