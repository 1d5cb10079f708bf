import Foundation
import Hummingbird
import PatchbayCore
import PatchbayDelivery
import PatchbayServices
import PatchbayStorage

/// Slash commands: an integration's commands (`…/integrations/{int}/commands`), the commands usable in an
/// organization, invoking one (`…/commands/invoke`), the history, and the response URL (`/r/{token}`).
struct CommandsController {
    let dependencies: APIDependencies

    struct ReplyBody: RequestBody {
        static let fields: Set<String> = ["text", "blocks", "responseType"]
        var text: String?
        var blocks: [JSONValue]?
        var responseType: String?
    }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("createCommand", create)
        router.serve("listCommands", list)
        router.serve("getCommand", get)
        router.serve("updateCommand", update)
        router.serve("deleteCommand", delete)
        router.serve("listOrganizationCommands", usable)
        router.serve("invokeCommand", invoke)
        router.serve("listCommandInvocations", invocations)
        router.serve("getCommandInvocation", invocation)
    }

    /// The response URL needs no token: it is the capability.
    func registerPublic(on router: Router<PatchbayRequestContext>) {
        router.serve("respondToCommand", respond)
    }

    // MARK: - An integration's commands

    private var commands: CommandService { dependencies.services.commands }

    /// The integration named in the path, checked before the body is read.
    private func integration(_ context: PatchbayRequestContext, scope: Scope) async throws -> Integration {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: scope)
        return try await dependencies.integration(context, in: organization)
    }

    @Sendable func create(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let integration = try await integration(context, scope: .integrationsWrite)
        let body = try await request.decode(CommandService.CreateInput.self, context: context)
        let command = try await commands.create(
            body, integrationId: integration.id, organizationId: context.parameters.value("org"), by: try context.requirePrincipal())
        return try JSONResponse.make(
            command, status: .created,
            headers: [.location: "/v1/organizations/\(integration.organizationId)/integrations/\(integration.id)/commands/\(command.id)"])
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let integration = try await integration(context, scope: .integrationsRead)
        let listRequest = try request.listRequest(sortable: CommandService.sortable)
        return try JSONResponse.list(
            try await commands.list(
                integrationId: integration.id, organizationId: context.parameters.value("org"), listRequest, by: try context.requirePrincipal()),
            request: request)
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try JSONResponse.make(
            try await commands.get(
                context.parameters.value("cmd"), integrationId: context.parameters.value("int"), organizationId: context.parameters.value("org"),
                by: try context.requirePrincipal()))
    }

    @Sendable func update(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let command = try await commands.get(
            context.parameters.value("cmd"), integrationId: context.parameters.value("int"), organizationId: context.parameters.value("org"),
            by: principal, scope: .integrationsWrite)
        let body = try await request.decode(CommandService.UpdateInput.self, context: context)
        return try JSONResponse.make(
            try await commands.update(
                command.id, body, integrationId: command.integrationId, organizationId: context.parameters.value("org"), by: principal))
    }

    @Sendable func delete(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try await commands.delete(
            context.parameters.value("cmd"), integrationId: context.parameters.value("int"), organizationId: context.parameters.value("org"),
            by: try context.requirePrincipal())
        return JSONResponse.noContent()
    }

    // MARK: - In an organization

    struct UsableView: Encodable {
        struct IntegrationView: Encodable {
            var id: String
            var name: String
        }

        var id: String
        var name: String
        var command: String
        var description: String
        var usage: String?
        var integration: IntegrationView

        init(_ usable: CommandRepository.Usable) {
            id = usable.command.id
            name = usable.command.name
            command = "/" + usable.command.name
            description = usable.command.description
            usage = usable.command.usage
            integration = IntegrationView(id: usable.command.integrationId, name: usable.integrationName)
        }
    }

    @Sendable func usable(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let prefix = request.uri.queryParameters["search"].map { SlashCommand.normalized(String($0)) } ?? ""
        let commands = try await dependencies.services.commands.usable(
            organizationId: context.parameters.value("org"), prefix: prefix, by: try context.requirePrincipal())
        return try JSONResponse.make(["data": commands.map(UsableView.init)])
    }

    /// `POST …/commands/invoke`: sends the signed `command.invoked` request and answers with the integration's reply.
    @Sendable func invoke(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .actionsRun)
        let body = try await request.decode(CommandService.InvokeInput.self, context: context)
        let invocation = try await commands.invoke(
            body, organizationId: organization.id, timeoutMillis: dependencies.settings.commandTimeoutMillis,
            responseBase: responseBase(for: request), by: principal)
        if let reply = invocation.answer {
            return try JSONResponse.make(Answered(id: invocation.id, reply: reply))
        }
        return try JSONResponse.make(["id": invocation.id, "status": "deferred"], status: .accepted)
    }

    struct Answered: Encodable {
        var id: String
        var reply: CommandReply

        enum CodingKeys: String, CodingKey { case id, status, text, blocks, responseType }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode("answered", forKey: .status)
            try container.encode(reply.text, forKey: .text)
            try container.encode(reply.blocks, forKey: .blocks)
            try container.encode(reply.responseType, forKey: .responseType)
        }
    }

    /// Where integrations post deferred responses: the configured public URL, else the scheme and host of this request.
    private func responseBase(for request: Request) -> String {
        if let base = dependencies.settings.publicURL { return base.hasSuffix("/") ? String(base.dropLast()) : base }
        return "\(request.head.scheme ?? "http")://\(request.head.authority ?? "localhost")"
    }

    // MARK: - History

    @Sendable func invocations(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .actionsRun)
        var outcome: CommandInvocation.Outcome?
        if let text = request.uri.queryParameters["outcome"] {
            guard let parsed = CommandInvocation.Outcome(rawValue: String(text)) else {
                throw PatchbayError.invalidParameter("outcome", "must be one of answered, deferred, failed, timed_out")
            }
            outcome = parsed
        }
        let command = request.uri.queryParameters["command"].map { SlashCommand.normalized(String($0)) }
        let listRequest = try request.listRequest(sortable: CommandService.invocationsSortable)
        return try JSONResponse.list(
            try await commands.invocations(
                organizationId: context.parameters.value("org"), outcome: outcome, command: command, listRequest, by: principal),
            request: request)
    }

    @Sendable func invocation(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try JSONResponse.make(
            try await commands.invocation(
                context.parameters.value("cin"), organizationId: context.parameters.value("org"), by: try context.requirePrincipal()))
    }

    // MARK: - Deferred responses

    /// `POST /r/{token}`: a deferred reply, accepted at most 5 times within 30 minutes, each a `command.responded` event.
    @Sendable func respond(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let grant = try commands.grant(token: context.parameters.value("token"))
        let body = try await request.decode(ReplyBody.self, context: context)
        var value: [String: JSONValue] = [:]
        if let text = body.text { value["text"] = .string(text) }
        if let blocks = body.blocks { value["blocks"] = .array(blocks) }
        if let type = body.responseType { value["responseType"] = .string(type) }
        let reply: CommandReply
        switch CommandReply.parse(.object(value)) {
        case .success(let parsed): reply = parsed
        case .failure(let problem): throw problem
        }
        let (eventId, sequence) = try await commands.respond(grant: grant, reply: reply)
        return try JSONResponse.make(
            ["invocationId": .string(grant.invocationId), "eventId": .string(eventId), "sequence": .int(Int64(sequence))] as JSONValue,
            status: .accepted)
    }
}

extension CommandService.CreateInput: RequestBody {
    static let fields: Set<String> = ["name", "description", "usage"]
}

extension CommandService.UpdateInput: RequestBody {
    static let fields: Set<String> = ["name", "description", "usage"]
}

extension CommandService.InvokeInput: RequestBody {
    static let fields: Set<String> = ["command", "text", "userId", "context"]
}
