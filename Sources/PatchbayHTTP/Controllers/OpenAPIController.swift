import Hummingbird
import NIOCore
import PatchbayCore
import PatchbayServices

/// `POST /v1/openapi/lint` and `POST …/integrations/import`: API descriptions in, findings and actions out.
struct OpenAPIController {
    let dependencies: APIDependencies

    static let acceptedMediaTypes: Set<String> = [
        "application/json", "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain",
        "application/vnd.oai.openapi", "application/vnd.oai.openapi+json", "application/octet-stream",
    ]

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("lintOpenAPI", lint)
        router.serve("importIntegration", importIntegration)
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
        return try JSONResponse.make(try await dependencies.services.integrations.lint(bytes))
    }

    @Sendable func importIntegration(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .integrationsWrite)
        try principal.requireNotIntegration("create integrations")
        let bot = try request.booleanQuery("bot")
        let bytes = try await Self.document(of: request, limit: dependencies.settings.maxDocumentBytes)
        let imported = try await dependencies.services.integrations.importDocument(bytes, bot: bot, organizationId: organization.id, by: principal)
        return try JSONResponse.make(
            imported, status: .created,
            headers: [.location: "/v1/organizations/\(organization.id)/integrations/\(imported.integration.id)"])
    }
}
