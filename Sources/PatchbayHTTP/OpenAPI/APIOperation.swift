import Hummingbird
import PatchbayCore

/// One operation of the HTTP API. Controllers register handlers by operation, and the OpenAPI document is
/// generated from the same list, so the two cannot drift apart unnoticed (a test compares the router's
/// routes with the served document).
struct APIOperation: Sendable {
    enum Parameter: Sendable {
        case path(String, String)
        case query(String, String, JSONValue)
        case header(String, String, JSONValue)
    }

    let id: String
    let method: HTTPRequest.Method
    /// OpenAPI form: `/v1/organizations/{org}`.
    let path: String
    let summary: String
    let tag: String
    var isPublic = false
    var scope: Scope?
    var requestSchema: String?
    var requestRequired = true
    /// An API description may come as JSON or YAML.
    var requestMediaTypes = ["application/json"]
    var successStatus = 200
    var responseSchema: JSONValue?
    var responseMediaType = "application/json"
    var isList = false
    var query: [Parameter] = []
    /// Problem statuses this operation answers beyond those its shape implies (see `APIDocument.problemStatuses`):
    /// 409 for its conflicts, 502 and 504 when it calls out.
    var problems: [Int] = []
    /// Responses other than the success and the problems, by status.
    var otherResponses: [String: JSONValue] = [:]

    /// Hummingbird form: `/v1/organizations/:org`.
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : String(segment)
        }.joined(separator: "/")
    }

    var pathParameters: [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
    }
}

extension APIOperation {
    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    static let listParameters: [Parameter] = [
        .query("limit", "Page size, 1–1000 (default 50).", ["type": "integer", "minimum": 1, "maximum": 1000]),
        .query("cursor", "The nextCursor of the previous page.", ["type": "string"]),
        .query("search", "Case-insensitive substring of the name (and email or prefix where present).", ["type": "string"]),
        .query("sort", "A field name; prefix with - for descending.", ["type": "string"]),
    ]

    /// A repeat within 24 hours returns the first request's events (`Idempotent-Replayed: true`); 409 when the request
    /// differs.
    static let idempotencyKey = Parameter.header(
        "Idempotency-Key", "1–255 printable ASCII characters; a repeat within 24 hours returns the first request's events.",
        ["type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"])

    /// Every operation the server serves.
    static let all: [APIOperation] = [
        APIOperation(
            id: "getHealth", method: .get, path: "/v1/health", summary: "Liveness and database check", tag: "System",
            isPublic: true, responseSchema: ref("Health"),
            otherResponses: [
                "503": [
                    "description": "The database is unreachable (status degraded)",
                    "content": ["application/json": ["schema": ref("Health")]],
                ]
            ]),
        APIOperation(
            id: "getOpenAPIDocument", method: .get, path: "/v1/openapi.json", summary: "This document", tag: "System",
            isPublic: true, responseSchema: ["type": "object"]),
        APIOperation(
            id: "getMetrics", method: .get, path: "/metrics", summary: "Prometheus metrics", tag: "System", isPublic: true,
            responseSchema: ["type": "string"], responseMediaType: "text/plain"),

        APIOperation(
            id: "createOrganization", method: .post, path: "/v1/organizations", summary: "Create an organization",
            tag: "Organizations", scope: .organizationsWrite, requestSchema: "OrganizationCreate", successStatus: 201,
            responseSchema: ref("Organization")),
        APIOperation(
            id: "listOrganizations", method: .get, path: "/v1/organizations",
            summary: "List the organizations the token reaches", tag: "Organizations", scope: .organizationsRead,
            responseSchema: ref("Organization"), isList: true, query: listParameters),
        APIOperation(
            id: "getOrganization", method: .get, path: "/v1/organizations/{org}", summary: "Get an organization",
            tag: "Organizations", scope: .organizationsRead, responseSchema: ref("Organization")),
        APIOperation(
            id: "updateOrganization", method: .patch, path: "/v1/organizations/{org}", summary: "Rename an organization",
            tag: "Organizations", scope: .organizationsWrite, requestSchema: "OrganizationUpdate",
            responseSchema: ref("Organization")),
        APIOperation(
            id: "deleteOrganization", method: .delete, path: "/v1/organizations/{org}",
            summary: "Delete an organization without child organizations", tag: "Organizations",
            scope: .organizationsWrite, successStatus: 204, problems: [409]),

        APIOperation(
            id: "createUser", method: .post, path: "/v1/organizations/{org}/users", summary: "Create a user", tag: "Users",
            scope: .organizationsWrite, requestSchema: "UserCreate", successStatus: 201, responseSchema: ref("User"), problems: [409]),
        APIOperation(
            id: "listUsers", method: .get, path: "/v1/organizations/{org}/users", summary: "List users", tag: "Users",
            scope: .organizationsRead, responseSchema: ref("User"), isList: true,
            query: listParameters + [.query("includeBots", "Include bot integration users.", ["type": "boolean"])]),
        APIOperation(
            id: "getUser", method: .get, path: "/v1/organizations/{org}/users/{usr}", summary: "Get a user", tag: "Users",
            scope: .organizationsRead, responseSchema: ref("User")),
        APIOperation(
            id: "updateUser", method: .patch, path: "/v1/organizations/{org}/users/{usr}", summary: "Update a user",
            tag: "Users", scope: .organizationsWrite, requestSchema: "UserUpdate", responseSchema: ref("User"), problems: [409]),
        APIOperation(
            id: "deleteUser", method: .delete, path: "/v1/organizations/{org}/users/{usr}", summary: "Delete a user",
            tag: "Users", scope: .organizationsWrite, successStatus: 204, problems: [409]),

        APIOperation(
            id: "createToken", method: .post, path: "/v1/organizations/{org}/tokens",
            summary: "Create an access token (the secret is shown once)", tag: "Tokens", scope: .tokensWrite,
            requestSchema: "TokenCreate", successStatus: 201, responseSchema: ref("TokenCreated")),
        APIOperation(
            id: "listTokens", method: .get, path: "/v1/organizations/{org}/tokens", summary: "List access tokens",
            tag: "Tokens", scope: .tokensWrite, responseSchema: ref("Token"), isList: true, query: listParameters),
        APIOperation(
            id: "getToken", method: .get, path: "/v1/organizations/{org}/tokens/{tok}", summary: "Get an access token",
            tag: "Tokens", scope: .tokensWrite, responseSchema: ref("Token")),
        APIOperation(
            id: "renameToken", method: .patch, path: "/v1/organizations/{org}/tokens/{tok}", summary: "Rename an access token",
            tag: "Tokens", scope: .tokensWrite, requestSchema: "TokenUpdate", responseSchema: ref("Token")),
        APIOperation(
            id: "revokeToken", method: .delete, path: "/v1/organizations/{org}/tokens/{tok}", summary: "Revoke an access token",
            tag: "Tokens", scope: .tokensWrite, successStatus: 204),
        APIOperation(
            id: "createConsoleLink", method: .post, path: "/v1/organizations/{org}/console-links",
            summary: "Create a single-use portal link that signs its visitor in to this organization's console", tag: "Console",
            scope: .tokensWrite, requestSchema: "ConsoleLinkCreate", successStatus: 201, responseSchema: ref("ConsoleLink")),

        APIOperation(
            id: "createIntegration", method: .post, path: "/v1/organizations/{org}/integrations",
            summary: "Create an integration with its integration user", tag: "Integrations", scope: .integrationsWrite,
            requestSchema: "IntegrationCreate", successStatus: 201, responseSchema: ref("IntegrationCreated")),
        APIOperation(
            id: "listIntegrations", method: .get, path: "/v1/organizations/{org}/integrations", summary: "List integrations",
            tag: "Integrations", scope: .integrationsRead, responseSchema: ref("Integration"), isList: true,
            query: listParameters),
        APIOperation(
            id: "getIntegration", method: .get, path: "/v1/organizations/{org}/integrations/{int}", summary: "Get an integration",
            tag: "Integrations", scope: .integrationsRead, responseSchema: ref("Integration")),
        APIOperation(
            id: "updateIntegration", method: .patch, path: "/v1/organizations/{org}/integrations/{int}",
            summary: "Update an integration", tag: "Integrations", scope: .integrationsWrite,
            requestSchema: "IntegrationUpdate", responseSchema: ref("Integration"), problems: [409]),
        APIOperation(
            id: "deleteIntegration", method: .delete, path: "/v1/organizations/{org}/integrations/{int}",
            summary: "Delete an integration, its user and its tokens", tag: "Integrations", scope: .integrationsWrite,
            successStatus: 204),
        APIOperation(
            id: "lintOpenAPI", method: .post, path: "/v1/openapi/lint",
            summary: "Lint an OpenAPI 3.x or Swagger 2.0 document (JSON or YAML, up to 32 MiB)", tag: "API connectors",
            requestSchema: "OpenAPISource", requestMediaTypes: ["application/json", "application/yaml"], responseSchema: ref("LintReport")),
        APIOperation(
            id: "importIntegration", method: .post, path: "/v1/organizations/{org}/integrations/import",
            summary: "Create a draft integration, its API settings and one action per operation from an API description",
            tag: "API connectors", scope: .integrationsWrite, requestSchema: "OpenAPISource",
            requestMediaTypes: ["application/json", "application/yaml"], successStatus: 201, responseSchema: ref("ImportedIntegration"),
            query: [.query("bot", "Make the integration user a bot (default: app).", ["type": "boolean"])]),
        APIOperation(
            id: "listActions", method: .get, path: "/v1/organizations/{org}/integrations/{int}/actions", summary: "List an integration's actions",
            tag: "API connectors", scope: .integrationsRead, responseSchema: ref("Action"), isList: true, query: listParameters),
        APIOperation(
            id: "createAction", method: .post, path: "/v1/organizations/{org}/integrations/{int}/actions",
            summary: "Add an action by hand", tag: "API connectors", scope: .integrationsWrite, requestSchema: "ActionCreate",
            successStatus: 201, responseSchema: ref("Action"), problems: [409]),
        APIOperation(
            id: "renameActions", method: .post, path: "/v1/organizations/{org}/integrations/{int}/actions/rename",
            summary: "Rename actions with a regular expression (dryRun shows before → after)", tag: "API connectors",
            scope: .integrationsWrite, requestSchema: "ActionRename", responseSchema: ref("ActionRenameResult"), problems: [409]),
        APIOperation(
            id: "getAction", method: .get, path: "/v1/organizations/{org}/integrations/{int}/actions/{act}", summary: "Get an action",
            tag: "API connectors", scope: .integrationsRead, responseSchema: ref("Action")),
        APIOperation(
            id: "updateAction", method: .patch, path: "/v1/organizations/{org}/integrations/{int}/actions/{act}", summary: "Update an action",
            tag: "API connectors", scope: .integrationsWrite, requestSchema: "ActionUpdate", responseSchema: ref("Action"), problems: [409]),
        APIOperation(
            id: "deleteAction", method: .delete, path: "/v1/organizations/{org}/integrations/{int}/actions/{act}", summary: "Delete an action",
            tag: "API connectors", scope: .integrationsWrite, successStatus: 204),
        APIOperation(
            id: "createInstallation", method: .post, path: "/v1/organizations/{org}/integrations/{int}/installations",
            summary: "Install a published integration into its organization or a descendant, with credentials (sealed, never returned)",
            tag: "API connectors", scope: .integrationsWrite, requestSchema: "InstallationCreate", successStatus: 201,
            responseSchema: ref("Installation"), problems: [409]),
        APIOperation(
            id: "listInstallations", method: .get, path: "/v1/organizations/{org}/integrations/{int}/installations",
            summary: "List an integration's installations", tag: "API connectors", scope: .integrationsRead, responseSchema: ref("Installation"),
            isList: true, query: listParameters),
        APIOperation(
            id: "getInstallation", method: .get, path: "/v1/organizations/{org}/installations/{ins}", summary: "Get an installation",
            tag: "API connectors", scope: .integrationsRead, responseSchema: ref("Installation")),
        APIOperation(
            id: "deleteInstallation", method: .delete, path: "/v1/organizations/{org}/installations/{ins}",
            summary: "Uninstall (credentials and tokens are deleted)", tag: "API connectors", scope: .integrationsWrite, successStatus: 204),
        APIOperation(
            id: "authorizeInstallation", method: .get, path: "/v1/organizations/{org}/installations/{ins}/oauth/authorize",
            summary: "302 to the provider's authorization page (OAuth 2.0 authorization code with PKCE S256 and state)",
            tag: "API connectors", scope: .integrationsWrite, successStatus: 302, problems: [409, 422]),
        APIOperation(
            id: "oauthCallback", method: .get, path: "/oauth/callback",
            summary:
                "Where the provider returns after authorization; exchanges the code and readies the installation (a browser, Accept: text/html, is sent back to the console's installation page with 303)",
            tag: "API connectors", isPublic: true, responseSchema: ref("Installation"),
            query: [
                .query("state", "The single-use state of the authorization request.", ["type": "string"]),
                .query("code", "The authorization code.", ["type": "string"]),
                .query("error", "The provider's error, when it did not authorize.", ["type": "string"]),
            ], problems: [400, 404, 409, 422, 502, 503, 504]),
        APIOperation(
            id: "runAction", method: .post, path: "/v1/organizations/{org}/installations/{ins}/actions/{act}/run",
            summary: "Run an action against the API with the installation's credentials (optionally following pages)",
            tag: "API connectors", scope: .actionsRun, requestSchema: "ActionRun", requestRequired: false, responseSchema: ref("ActionRunResult"),
            problems: [409, 502, 504]),
        APIOperation(
            id: "getOrganizationMapping", method: .get, path: "/v1/organizations/{org}/installations/{ins}/organization-mapping",
            summary: "The installation's organization mapping: settings and entries", tag: "API connectors", scope: .integrationsRead,
            responseSchema: ref("OrganizationMapping")),
        APIOperation(
            id: "putOrganizationMapping", method: .put, path: "/v1/organizations/{org}/installations/{ins}/organization-mapping",
            summary: "Set the list action and keys, and (optionally) the entries mapping child organizations to external ids",
            tag: "API connectors", scope: .integrationsWrite, requestSchema: "OrganizationMappingPut", responseSchema: ref("OrganizationMapping")),
        APIOperation(
            id: "suggestOrganizationMapping", method: .post,
            path: "/v1/organizations/{org}/installations/{ins}/organization-mapping/suggest",
            summary: "Fetch the provider's list through the mapping action and suggest a match for each child organization by name",
            tag: "API connectors", scope: .integrationsWrite, requestSchema: "OrganizationMappingSuggest", requestRequired: false,
            responseSchema: ref("OrganizationMappingSuggestions"), problems: [409, 502, 504]),
        APIOperation(
            id: "finalizeIntegration", method: .post, path: "/v1/organizations/{org}/integrations/{int}/finalize",
            summary: "Finalize a draft integration (published, or hidden)", tag: "Integrations",
            scope: .integrationsWrite, requestSchema: "IntegrationFinalize", requestRequired: false,
            responseSchema: ref("Integration"), problems: [409]),
        APIOperation(
            id: "callIntegration", method: .post, path: "/v1/organizations/{org}/integrations/{int}/call",
            summary: "Send a payload to an endpoint integration (signed) and answer with its JSON", tag: "Integrations",
            scope: .actionsRun, requestSchema: "IntegrationCall", responseSchema: ["description": "The endpoint's JSON answer, as it gave it"],
            problems: [409, 502, 504], otherResponses: ["204": ["description": "The endpoint answered 2xx without a body"]]),

        APIOperation(
            id: "createCommand", method: .post, path: "/v1/organizations/{org}/integrations/{int}/commands",
            summary: "Register a slash command (endpoint integrations with the slashCommands feature)", tag: "Slash commands",
            scope: .integrationsWrite, requestSchema: "CommandCreate", successStatus: 201, responseSchema: ref("Command"), problems: [409]),
        APIOperation(
            id: "listCommands", method: .get, path: "/v1/organizations/{org}/integrations/{int}/commands",
            summary: "An integration's slash commands", tag: "Slash commands", scope: .integrationsRead, responseSchema: ref("Command"),
            isList: true, query: listParameters),
        APIOperation(
            id: "getCommand", method: .get, path: "/v1/organizations/{org}/integrations/{int}/commands/{cmd}", summary: "Get a slash command",
            tag: "Slash commands", scope: .integrationsRead, responseSchema: ref("Command")),
        APIOperation(
            id: "updateCommand", method: .patch, path: "/v1/organizations/{org}/integrations/{int}/commands/{cmd}",
            summary: "Change a slash command", tag: "Slash commands", scope: .integrationsWrite, requestSchema: "CommandUpdate",
            responseSchema: ref("Command"), problems: [409]),
        APIOperation(
            id: "deleteCommand", method: .delete, path: "/v1/organizations/{org}/integrations/{int}/commands/{cmd}",
            summary: "Delete a slash command", tag: "Slash commands", scope: .integrationsWrite, successStatus: 204),
        APIOperation(
            id: "listOrganizationCommands", method: .get, path: "/v1/organizations/{org}/commands",
            summary: "The commands usable in the organization (published integrations installed there), for autocomplete",
            tag: "Slash commands", scope: .actionsRun,
            responseSchema: ["type": "object", "properties": ["data": ["type": "array", "items": ref("UsableCommand")]]],
            query: [.query("search", "Commands whose name starts with this (a leading / is ignored).", ["type": "string"])]),
        APIOperation(
            id: "invokeCommand", method: .post, path: "/v1/organizations/{org}/commands/invoke",
            summary: "Invoke a slash command as a user: the integration answers at once (200) or later (202)", tag: "Slash commands",
            scope: .actionsRun, requestSchema: "CommandInvoke", responseSchema: ref("CommandAnswer"), problems: [404, 409, 502, 504],
            otherResponses: ["202": ["description": "The integration will answer later at the response URL: {id, status: deferred}"]]),
        APIOperation(
            id: "listCommandInvocations", method: .get, path: "/v1/organizations/{org}/commands/invocations",
            summary: "The history of slash command invocations, newest last", tag: "Slash commands", scope: .actionsRun,
            responseSchema: ref("CommandInvocation"), isList: true,
            query: listParameters + [
                .query(
                    "outcome", "Only invocations with this outcome.", ["type": "string", "enum": ["answered", "deferred", "failed", "timed_out"]]),
                .query("command", "Only invocations of this command.", ["type": "string"]),
            ]),
        APIOperation(
            id: "getCommandInvocation", method: .get, path: "/v1/organizations/{org}/commands/invocations/{cin}",
            summary: "An invocation with its request, answer and deferred responses", tag: "Slash commands", scope: .actionsRun,
            responseSchema: ref("CommandInvocation")),
        APIOperation(
            id: "respondToCommand", method: .post, path: "/r/{token}",
            summary: "An integration's deferred reply (the URL is the capability): at most 5 within 30 minutes, each a command.responded event",
            tag: "Slash commands", isPublic: true, requestSchema: "CommandReply", successStatus: 202,
            responseSchema: [
                "type": "object", "properties": ["invocationId": ["type": "string"], "eventId": ["type": "string"], "sequence": ["type": "integer"]],
            ],
            problems: [404, 410]),

        APIOperation(
            id: "publishEvent", method: .post, path: "/v1/organizations/{org}/events",
            summary: "Publish a host event (Idempotency-Key honoured for 24 hours)", tag: "Events", scope: .eventsWrite,
            requestSchema: "EventPublish", successStatus: 202, responseSchema: ref("Event"), query: [idempotencyKey], problems: [409]
        ),
        APIOperation(
            id: "publishEventBatch", method: .post, path: "/v1/organizations/{org}/events/batch",
            summary: "Publish up to 1000 host events, all or nothing", tag: "Events", scope: .eventsWrite,
            requestSchema: "EventBatch", successStatus: 202, responseSchema: ref("Event"), isList: true, query: [idempotencyKey],
            problems: [409]
        ),
        APIOperation(
            id: "listEventTypes", method: .get, path: "/v1/event-types", summary: "List built-in and registered event types",
            tag: "Event types", scope: .eventsRead, responseSchema: ref("EventType"), isList: true,
            query: [.query("search", "Substring of the name or description.", ["type": "string"])]
        ),
        APIOperation(
            id: "getEventType", method: .get, path: "/v1/event-types/{name}", summary: "Get an event type", tag: "Event types",
            scope: .eventsRead, responseSchema: ref("EventType")
        ),
        APIOperation(
            id: "createEventType", method: .post, path: "/v1/event-types", summary: "Register a host event type (admin)",
            tag: "Event types", requestSchema: "EventTypeCreate", successStatus: 201, responseSchema: ref("EventType"), problems: [403, 409]
        ),
        APIOperation(
            id: "createWebhook", method: .post, path: "/v1/organizations/{org}/webhooks",
            summary: "Create a webhook (the signing secret is in this response)", tag: "Webhooks", scope: .webhooksWrite,
            requestSchema: "WebhookCreate", successStatus: 201, responseSchema: ref("WebhookCreated"), problems: [409]
        ),
        APIOperation(
            id: "listWebhooks", method: .get, path: "/v1/organizations/{org}/webhooks", summary: "List webhooks", tag: "Webhooks",
            scope: .webhooksRead, responseSchema: ref("Webhook"), isList: true, query: listParameters
        ),
        APIOperation(
            id: "getWebhook", method: .get, path: "/v1/organizations/{org}/webhooks/{wh}", summary: "Get a webhook", tag: "Webhooks",
            scope: .webhooksRead, responseSchema: ref("Webhook")
        ),
        APIOperation(
            id: "updateWebhook", method: .patch, path: "/v1/organizations/{org}/webhooks/{wh}", summary: "Update a webhook",
            tag: "Webhooks", scope: .webhooksWrite, requestSchema: "WebhookUpdate", responseSchema: ref("Webhook")
        ),
        APIOperation(
            id: "deleteWebhook", method: .delete, path: "/v1/organizations/{org}/webhooks/{wh}", summary: "Delete a webhook",
            tag: "Webhooks", scope: .webhooksWrite, successStatus: 204
        ),
        APIOperation(
            id: "getWebhookSecret", method: .get, path: "/v1/organizations/{org}/webhooks/{wh}/secret",
            summary: "The signing secret (and the previous one while it is still valid)", tag: "Webhooks", scope: .webhooksWrite,
            responseSchema: ref("WebhookSecret")
        ),
        APIOperation(
            id: "rotateWebhookSecret", method: .post, path: "/v1/organizations/{org}/webhooks/{wh}/rotate-secret",
            summary: "Rotate the signing secret; the old one stays valid for 24 hours", tag: "Webhooks", scope: .webhooksWrite,
            requestSchema: "WebhookRotate", requestRequired: false, responseSchema: ref("WebhookSecret")
        ),
        APIOperation(
            id: "testWebhook", method: .post, path: "/v1/organizations/{org}/webhooks/{wh}/test",
            summary: "Send a signed webhook.handshake now and report the answer", tag: "Webhooks", scope: .webhooksWrite,
            responseSchema: ref("WebhookTested")
        ),
        APIOperation(
            id: "listDeliveries", method: .get, path: "/v1/organizations/{org}/webhooks/{wh}/deliveries",
            summary: "A webhook's delivery history", tag: "Webhooks", scope: .webhooksRead, responseSchema: ref("Delivery"), isList: true,
            query: listParameters + [
                .query(
                    "status", "Only deliveries in this status.", ["type": "string", "enum": ["pending", "succeeded", "retrying", "failed", "held"]])
            ]
        ),
        APIOperation(
            id: "getDelivery", method: .get, path: "/v1/organizations/{org}/webhooks/{wh}/deliveries/{dlv}",
            summary: "A delivery with its attempts", tag: "Webhooks", scope: .webhooksRead, responseSchema: ref("DeliveryDetail")
        ),
        APIOperation(
            id: "resendDelivery", method: .post, path: "/v1/organizations/{org}/webhooks/{wh}/deliveries/{dlv}/resend",
            summary: "Send a delivery's events again, now, as a new delivery", tag: "Webhooks", scope: .webhooksWrite,
            successStatus: 202, responseSchema: ref("Delivery"), problems: [409]
        ),
        APIOperation(
            id: "recoverWebhook", method: .post, path: "/v1/organizations/{org}/webhooks/{wh}/recover",
            summary: "Send every failed delivery since a time again", tag: "Webhooks", scope: .webhooksWrite,
            requestSchema: "WebhookRecover", successStatus: 202, responseSchema: ref("Recovered"), problems: [409]
        ),
        APIOperation(
            id: "createInboundWebhook", method: .post, path: "/v1/organizations/{org}/inbound-webhooks",
            summary: "Create an inbound endpoint (its /in/… URL is in the response)", tag: "Inbound webhooks", scope: .webhooksWrite,
            requestSchema: "InboundWebhookCreate", successStatus: 201, responseSchema: ref("InboundWebhookCreated"), problems: [409]),
        APIOperation(
            id: "listInboundWebhooks", method: .get, path: "/v1/organizations/{org}/inbound-webhooks", summary: "List inbound endpoints",
            tag: "Inbound webhooks", scope: .webhooksRead, responseSchema: ref("InboundWebhook"), isList: true, query: listParameters),
        APIOperation(
            id: "getInboundWebhook", method: .get, path: "/v1/organizations/{org}/inbound-webhooks/{inb}", summary: "Get an inbound endpoint",
            tag: "Inbound webhooks", scope: .webhooksRead, responseSchema: ref("InboundWebhook")),
        APIOperation(
            id: "updateInboundWebhook", method: .patch, path: "/v1/organizations/{org}/inbound-webhooks/{inb}",
            summary: "Update an inbound endpoint (name, event type, verification, active)", tag: "Inbound webhooks", scope: .webhooksWrite,
            requestSchema: "InboundWebhookUpdate", responseSchema: ref("InboundWebhook")),
        APIOperation(
            id: "deleteInboundWebhook", method: .delete, path: "/v1/organizations/{org}/inbound-webhooks/{inb}",
            summary: "Delete an inbound endpoint and its request history", tag: "Inbound webhooks", scope: .webhooksWrite, successStatus: 204),
        APIOperation(
            id: "listInboundRequests", method: .get, path: "/v1/organizations/{org}/inbound-webhooks/{inb}/requests",
            summary: "Requests the endpoint accepted, with headers, raw body and verdict", tag: "Inbound webhooks", scope: .webhooksRead,
            responseSchema: ref("InboundRequest"), isList: true,
            query: [
                .query("limit", "Page size, 1–1000 (default 50).", ["type": "integer", "minimum": 1, "maximum": 1000]),
                .query("cursor", "The nextCursor of the previous page.", ["type": "string"]),
                .query("search", "A request id, event id or the provider's delivery id.", ["type": "string"]),
                .query("sort", "receivedAt (default) or -receivedAt.", ["type": "string"]),
                .query("verdict", "Only requests with this verdict.", ["type": "string", "enum": ["verified", "unverified", "invalid"]]),
            ]),
        APIOperation(
            id: "receiveInbound", method: .post, path: "/in/{token}",
            summary: "Where providers post: verified on the raw body, stored with its event, then answered", tag: "Inbound webhooks",
            isPublic: true, requestSchema: "InboundPayload", requestMediaTypes: ["application/json", "application/x-www-form-urlencoded"],
            responseSchema: ref("InboundReceipt"), problems: [401, 404, 429, 503]),
        APIOperation(
            id: "listEvents", method: .get, path: "/v1/organizations/{org}/events", summary: "List events, oldest first",
            tag: "Events", scope: .eventsRead, responseSchema: ref("Event"), isList: true,
            query: [
                .query("limit", "Page size, 1–1000 (default 50).", ["type": "integer", "minimum": 1, "maximum": 1000]),
                .query("cursor", "The nextCursor of the previous page.", ["type": "string"]),
                .query("type", "Only events of this type.", ["type": "string"]),
                .query("includeDescendants", "Also events of descendant organizations.", ["type": "boolean"]),
            ]),
    ]
}
