import Hummingbird
import PatchbayCore
import PatchbayDelivery
import PatchbayServices

/// `/v1/organizations/{org}/webhooks`: outbound webhook configuration, secrets and their rotation.
struct WebhooksController {
    let dependencies: APIDependencies

    struct RotateBody: RequestBody {
        static let fields: Set<String> = ["secret"]
        var secret: String?
    }

    struct SecretView: Encodable {
        var secret: String
        var previousSecret: String?
        var previousSecretExpiresAt: String?

        enum CodingKeys: CodingKey { case secret, previousSecret, previousSecretExpiresAt }

        init(_ secrets: WebhookService.Secrets) {
            secret = secrets.secret
            previousSecret = secrets.previousSecret
            previousSecretExpiresAt = secrets.previousSecretExpiresAt.map(Timestamp.format)
        }

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

    private var webhooks: WebhookService { dependencies.services.webhooks }

    @Sendable func create(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        // The organization and scope are checked before the body is read.
        _ = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .webhooksWrite)
        let body = try await request.decode(WebhookService.CreateInput.self, context: context)
        let created = try await webhooks.create(body, organizationId: context.parameters.value("org"), by: principal)
        return try JSONResponse.make(
            CreatedResource(resource: created.webhook, secret: created.secret, handshake: created.handshake),
            status: .created,
            headers: [.location: "/v1/organizations/\(created.webhook.organizationId)/webhooks/\(created.webhook.id)", .cacheControl: "no-store"]
        )
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .webhooksRead)
        let listRequest = try request.listRequest(sortable: WebhookService.sortable)
        return try JSONResponse.list(
            try await webhooks.list(organizationId: context.parameters.value("org"), listRequest, by: principal), request: request)
    }

    @Sendable func get(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try JSONResponse.make(try await dependencies.webhook(context, scope: .webhooksRead).1)
    }

    @Sendable func update(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        var webhook = try await dependencies.webhook(context, scope: .webhooksWrite).1
        let body = try await request.decode(WebhookService.UpdateInput.self, context: context)
        return try JSONResponse.make(try await webhooks.update(&webhook, body))
    }

    @Sendable func delete(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        try await webhooks.delete(context.parameters.value("wh"), organizationId: context.parameters.value("org"), by: try context.requirePrincipal())
        return JSONResponse.noContent()
    }

    @Sendable func secret(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let secrets = try await webhooks.secrets(
            context.parameters.value("wh"), organizationId: context.parameters.value("org"), by: try context.requirePrincipal())
        return try JSONResponse.make(SecretView(secrets), headers: [.cacheControl: "no-store"])
    }

    @Sendable func rotate(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        _ = try await dependencies.webhook(context, scope: .webhooksWrite)
        let body = try await request.decodeIfPresent(RotateBody.self, context: context)
        let secrets = try await webhooks.rotate(
            context.parameters.value("wh"), to: body?.secret, organizationId: context.parameters.value("org"), by: try context.requirePrincipal())
        return try JSONResponse.make(SecretView(secrets), headers: [.cacheControl: "no-store"])
    }

    /// `POST …/webhooks/{wh}/test`: a new handshake, reported like the one at creation.
    @Sendable func test(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let (handshake, checked) = try await webhooks.test(
            context.parameters.value("wh"), organizationId: context.parameters.value("org"), by: try context.requirePrincipal())
        return try JSONResponse.make(CreatedResource(resource: checked, handshake: handshake))
    }
}

extension WebhookService.CreateInput: RequestBody {
    static let fields: Set<String> = [
        "name", "url", "eventTypes", "integrationId", "active", "verifyTls", "format", "maxEventsPerRequest", "rateLimit", "authorization",
        "headers", "secret",
    ]
}

extension WebhookService.UpdateInput: RequestBody {
    static let fields: Set<String> = [
        "name", "url", "eventTypes", "integrationId", "active", "verifyTls", "format", "maxEventsPerRequest", "rateLimit", "authorization",
        "headers",
    ]
}
