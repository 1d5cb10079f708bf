import Hummingbird
import NIOCore
import NIOPosix
import PatchbayCore
import PatchbayOpenAPI
import PatchbayStorage

/// `POST /v1/openapi/lint` and `POST …/integrations/import`: API descriptions in, findings and actions out.
struct OpenAPIController {
    let dependencies: APIDependencies
    let parsing: DocumentParsing

    static let acceptedMediaTypes: Set<String> = [
        "application/json", "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain",
        "application/vnd.oai.openapi", "application/vnd.oai.openapi+json", "application/octet-stream",
    ]

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("lintOpenAPI", lint)
        router.serve("importIntegration", importIntegration)
    }

    struct LintResult: Encodable {
        var valid: Bool
        var version: String?
        var operations: Int
        var problems: [LintProblem]
    }

    /// Reads the raw document: 413 past the cap, 415 for a media type that is no JSON or YAML, 400 when empty.
    static func document(of request: Request, limit maximumDocumentBytes: Int) async throws -> [UInt8] {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maximumDocumentBytes {
            throw PatchbayError(.tooLarge, "The document is \(declared) bytes; the limit is \(maximumDocumentBytes).")
        }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        let mediaType = contentType.split(separator: ";").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        guard mediaType.isEmpty || acceptedMediaTypes.contains(mediaType) || mediaType.hasSuffix("+json") || mediaType.hasSuffix("+yaml") else {
            throw PatchbayError(.unsupportedMediaType, "Send the document as application/json or application/yaml, not \(contentType.prefix(100)).")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumDocumentBytes)
        } catch {
            throw PatchbayError(.tooLarge, "The document exceeds the limit of \(maximumDocumentBytes) bytes.")
        }
        guard buffer.readableBytes > 0 else { throw PatchbayError(.malformed, "The body is empty; send an OpenAPI or Swagger document.") }
        return Array(buffer.readableBytesView)
    }

    @Sendable func lint(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        _ = try context.requirePrincipal()
        let bytes = try await Self.document(of: request, limit: dependencies.settings.maxDocumentBytes)
        let result = try await parsing.run(size: bytes.count) { () -> LintResult in
            do throws(ImportFailure) {
                let (document, problems) = try OpenAPIImporter.lint(bytes)
                return LintResult(
                    valid: !problems.contains { $0.severity == .error },
                    version: document.versionText,
                    operations: document.operations.count,
                    problems: problems
                )
            } catch {
                return LintResult(valid: false, version: nil, operations: 0, problems: [error.problem])
            }
        }
        return try JSONResponse.make(result)
    }

    /// The integration as created, with its `api`, its `actions` and the lint findings of the document.
    struct ImportedIntegration: Encodable {
        var integration: Integration
        var api: APISettings
        var source: String
        var actions: [Action]
        var problems: [LintProblem]

        enum CodingKeys: String, CodingKey { case api, source, actions, problems }

        func encode(to encoder: any Encoder) throws {
            try integration.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(api, forKey: .api)
            try container.encode(source, forKey: .source)
            try container.encode(actions, forKey: .actions)
            try container.encode(problems, forKey: .problems)
        }
    }

    @Sendable func importIntegration(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .integrationsWrite)
        try principal.requireNotIntegration("create integrations")
        let bot = try request.booleanQuery("bot")
        let bytes = try await Self.document(of: request, limit: dependencies.settings.maxDocumentBytes)
        let imported = try await parsing.run(size: bytes.count) { () -> Result<ImportedAPI, ImportFailure> in
            do throws(ImportFailure) {
                return .success(try OpenAPIImporter.importAPI(bytes))
            } catch {
                return .failure(error)
            }
        }
        let api: ImportedAPI
        switch imported {
        case .success(let value): api = value
        case .failure(let failure):
            var error = FieldError(pointer: failure.problem.pointer, "\(failure.problem.rule): \(failure.problem.message)")
            error.line = failure.problem.line
            error.column = failure.problem.column
            throw PatchbayError(.validation, "The document cannot be imported: \(failure.problem.message)", errors: [error])
        }
        let now = dependencies.clock.nowMillis
        let name = Self.integrationName(api.title)
        let integrationId = Identifier.make(.integration, nowMillis: now)
        let kind: User.Kind = bot ? .bot : .app
        let user = User(
            id: Identifier.make(.user, nowMillis: now), organizationId: organization.id, name: name, email: nil, phone: nil, role: .member,
            kind: kind, integrationId: integrationId, createdAt: now, updatedAt: now
        )
        let integration = Integration(
            id: integrationId, organizationId: organization.id, name: name,
            description: Self.cleanDescription(api.description), iconSvg: nil, status: .draft,
            userId: user.id, userKind: kind, finalizedAt: nil, createdAt: now, updatedAt: now
        )
        let actions = api.actions.map { definition in
            Action(id: Identifier.make(.action, nowMillis: now), integrationId: integrationId, definition: definition, createdAt: now, updatedAt: now)
        }
        let stored = IntegrationAPI(settings: api.settings, definitions: api.definitions, source: api.versionName)
        let event = try dependencies.event("integration.created", integration, in: organization, by: principal, at: now)
        try await dependencies.store.actions.insertImported(integration, user: user, event: event, api: stored, actions: actions)
        return try JSONResponse.make(
            ImportedIntegration(integration: integration, api: api.settings, source: api.versionName, actions: actions, problems: api.problems),
            status: .created,
            headers: [.location: "/v1/organizations/\(organization.id)/integrations/\(integration.id)"]
        )
    }

    /// The document's description without control characters (line breaks and tabs kept), within the limit.
    static func cleanDescription(_ text: String?) -> String {
        let kept = (text ?? "").unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F || $0 == "\n" || $0 == "\t" }
        return String(String(String.UnicodeScalarView(kept)).prefix(FieldRules.maxDescriptionLength))
    }

    /// The document's title as an integration name: control characters dropped, trimmed, at most 200 characters.
    static func integrationName(_ title: String?) -> String {
        let cleaned = String(String.UnicodeScalarView((title ?? "").unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
            .trimmingCharacters(in: .whitespaces)
        return cleaned.isEmpty ? "Imported API" : String(cleaned.prefix(FieldRules.maxNameLength))
    }
}
