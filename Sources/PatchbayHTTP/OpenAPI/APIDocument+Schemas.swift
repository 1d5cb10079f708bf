import PatchbayCore

/// The component schemas of the document: request bodies as the handlers check them, responses as they encode them.
extension APIDocument {
    /// A display name: 1–200 characters, not blank, no control characters (`FieldRules.name`).
    fileprivate static let name: JSONValue = {
        let controls = "\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029"
        return ["type": "string", "minLength": 1, "maxLength": 200, "pattern": .string("^[^\(controls)]*[^\\s\(controls)][^\(controls)]*$")]
    }()
    /// Free text: line breaks and tabs, no other control characters (`FieldRules.text`).
    fileprivate static let textPattern: JSONValue = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u2028\\u2029]*$"
    fileprivate static let text: JSONValue = ["type": "string", "maxLength": 4000, "pattern": textPattern]
    /// An HTTP token (RFC 9110), as header names must be.
    fileprivate static let headerNamePattern: JSONValue = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"
    /// Custom headers a webhook sends: at most 20, valid names, values without control characters.
    fileprivate static let customHeaders: JSONValue = [
        "type": "object", "maxProperties": 20, "propertyNames": ["pattern": headerNamePattern, "maxLength": 100],
        "additionalProperties": ["type": "string", "maxLength": 4096, "pattern": "^[^\\u0000-\\u0008\\u000A-\\u001F\\u007F]*$"],
        "description": "Names Patchbay sets (authorization, content-type, webhook-*, …) are refused",
    ]
    /// A phone number: digits with an optional leading `+`, spaces, dots, hyphens and parentheses; 7–15 digits
    /// (null: none; a PATCH with null clears it).
    fileprivate static let phone: JSONValue = ["type": ["string", "null"], "maxLength": 32, "pattern": "^\\+?[0-9 .()-]*$"]
    /// An action's HTTP method (any case).
    fileprivate static let httpMethod: JSONValue = [
        "type": "string", "enum": ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", "TRACE"],
    ]
    /// What `authorization.token` may hold: printable ASCII without spaces.
    fileprivate static let authorizationToken: JSONValue = ["type": "string", "minLength": 1, "maxLength": 4096, "pattern": "^[!-~]+$"]
    fileprivate static let timestamp: JSONValue = ["type": "string", "format": "date-time"]
    fileprivate static let nullableTimestamp: JSONValue = ["type": ["string", "null"], "format": "date-time"]
    fileprivate static let nullableString: JSONValue = ["type": ["string", "null"]]
    fileprivate static let features: JSONValue = [
        "type": "array", "description": "What the integration supports; using anything else is a 409",
        "items": ["type": "string", "enum": ["outboundWebhooks", "inboundWebhooks", "slashCommands", "actions"]],
    ]
    fileprivate static let stringMap: JSONValue = ["type": "object", "additionalProperties": ["type": "string"]]
    fileprivate static let scopes: JSONValue = [
        "type": "array", "items": ["type": "string", "enum": .array(Scope.allCases.map { .string($0.rawValue) })],
    ]

    static let schemas: [String: JSONValue] = [
        "Problem": [
            "type": "object", "required": ["type", "title", "status", "detail"],
            "properties": [
                "type": ["type": "string"], "title": ["type": "string"], "status": ["type": "integer"], "detail": ["type": "string"],
                "instance": ["type": "string"],
                "errors": [
                    "type": "array",
                    "items": [
                        "type": "object", "required": ["message"],
                        "properties": [
                            "pointer": ["type": "string"], "parameter": ["type": "string"], "message": ["type": "string"],
                            "line": ["type": "integer", "description": "For problems in an uploaded API description"],
                            "column": ["type": "integer"],
                        ],
                    ],
                ],
            ],
        ],
        "Health": [
            "type": "object",
            "properties": [
                "status": ["type": "string", "enum": ["ok", "degraded"]], "database": ["type": "string"],
                "queue": [
                    "type": "object", "description": "Absent when the database is unreachable",
                    "properties": [
                        "pending": ["type": "integer", "description": "Deliveries waiting to be sent (pending or retrying)"],
                        "held": ["type": "integer", "description": "Deliveries held for paused or disabled webhooks"],
                        "oldestPendingAgeSeconds": ["type": ["integer", "null"]],
                    ],
                ],
            ],
        ],
        "Organization": [
            "type": "object", "required": ["id", "name", "parentId", "createdAt", "updatedAt"],
            "properties": [
                "id": ["type": "string"], "name": ["type": "string"], "parentId": nullableString, "createdAt": timestamp,
                "updatedAt": timestamp,
            ],
        ],
        "OrganizationCreate": [
            "type": "object", "required": ["name"], "additionalProperties": false,
            "properties": ["name": name, "parentId": nullableString],
        ],
        "OrganizationUpdate": [
            "type": "object", "additionalProperties": false, "properties": ["name": name],
        ],
        "User": [
            "type": "object", "required": ["id", "organizationId", "name", "role", "kind"],
            "properties": [
                "id": ["type": "string"], "organizationId": ["type": "string"], "name": ["type": "string"], "email": nullableString,
                "phone": nullableString, "role": ["type": "string", "enum": ["admin", "member"]],
                "kind": ["type": "string", "enum": ["human", "app", "bot"]], "integrationId": nullableString,
                "createdAt": timestamp, "updatedAt": timestamp,
            ],
        ],
        "UserCreate": [
            "type": "object", "required": ["name", "email"], "additionalProperties": false,
            "properties": [
                "name": name, "email": ["type": "string", "format": "email"],
                "phone": phone, "role": ["type": "string", "enum": ["admin", "member"]],
            ],
        ],
        "UserUpdate": [
            "type": "object", "additionalProperties": false,
            "properties": [
                "name": name, "email": ["type": "string", "format": "email"],
                "phone": phone, "role": ["type": "string", "enum": ["admin", "member"]],
            ],
        ],
        "Integration": [
            "type": "object", "required": ["id", "name", "description", "status", "user"],
            "properties": [
                "id": ["type": "string"], "organizationId": ["type": "string"], "name": ["type": "string"],
                "description": ["type": "string"], "iconSvg": nullableString,
                "status": ["type": "string", "enum": ["draft", "published", "hidden"]], "bot": ["type": "boolean"],
                "user": ["type": "object", "properties": ["id": ["type": "string"], "kind": ["type": "string", "enum": ["app", "bot"]]]],
                "features": features,
                "finalizedAt": nullableTimestamp, "createdAt": timestamp, "updatedAt": timestamp,
                "endpoint": [
                    "type": ["object", "null"], "description": "An endpoint integration's URL and the webhook that carries its events",
                    "required": ["url", "webhookId", "authorization"],
                    "properties": [
                        "url": ["type": "string"], "webhookId": ["type": "string"],
                        "authorization": [
                            "type": ["object", "null"],
                            "properties": ["scheme": ["type": "string"], "token": ["type": "string", "description": "Masked"]],
                        ],
                    ],
                ],
            ],
        ],
        "IntegrationCreated": [
            "allOf": [
                APIOperation.ref("Integration"),
                [
                    "type": "object", "description": "An endpoint integration also has its signing secret (shown once) and handshake",
                    "properties": ["secret": ["type": "string"], "handshake": APIOperation.ref("Handshake")],
                ],
            ]
        ],
        "IntegrationEndpoint": [
            "type": "object", "required": ["url"], "additionalProperties": false,
            "description": "Makes an endpoint integration: its events are sent to url, signed as webhooks are",
            "properties": [
                "url": ["type": "string", "format": "uri"], "verifyTls": ["type": "boolean"],
                "authorization": [
                    "type": "object", "required": ["scheme", "token"], "additionalProperties": false,
                    "properties": ["scheme": ["type": "string", "enum": ["Bearer", "Token"]], "token": authorizationToken],
                ],
            ],
        ],
        "IntegrationEndpointUpdate": [
            "type": "object", "additionalProperties": false,
            "description": "Changes an endpoint integration's url, authorization (null removes it) or verifyTls",
            "properties": [
                "url": ["type": "string", "format": "uri"], "verifyTls": ["type": "boolean"],
                "authorization": [
                    "type": ["object", "null"], "required": ["scheme", "token"], "additionalProperties": false,
                    "properties": ["scheme": ["type": "string", "enum": ["Bearer", "Token"]], "token": authorizationToken],
                ],
            ],
        ],
        "Command": [
            "type": "object", "required": ["id", "integrationId", "name", "command", "description"],
            "properties": [
                "id": ["type": "string"], "integrationId": ["type": "string"], "name": ["type": "string"], "command": ["type": "string"],
                "description": ["type": "string"], "usage": nullableString, "createdAt": timestamp, "updatedAt": timestamp,
            ],
        ],
        "CommandCreate": [
            "type": "object", "required": ["name"], "additionalProperties": false,
            "properties": [
                "name": ["type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,31}$"], "description": text,
                "usage": ["type": "string", "maxLength": 200],
            ],
        ],
        "CommandUpdate": [
            "type": "object", "additionalProperties": false,
            "properties": [
                "name": ["type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,31}$"], "description": text,
                "usage": ["type": ["string", "null"], "maxLength": 200],
            ],
        ],
        "UsableCommand": [
            "type": "object",
            "properties": [
                "id": ["type": "string"], "name": ["type": "string"], "command": ["type": "string"], "description": ["type": "string"],
                "usage": nullableString,
                "integration": ["type": "object", "properties": ["id": ["type": "string"], "name": ["type": "string"]]],
            ],
        ],
        "CommandInvoke": [
            "type": "object", "required": ["command", "userId"], "additionalProperties": false,
            "properties": [
                "command": ["type": "string", "description": "/deploy"], "text": ["type": "string", "maxLength": 4000],
                "userId": ["type": "string"], "context": ["type": "object"],
            ],
        ],
        "CommandReply": [
            "type": "object", "additionalProperties": false,
            "properties": [
                "text": ["type": "string", "maxLength": 40000], "blocks": ["type": "array", "maxItems": 100, "items": ["type": "object"]],
                "responseType": ["type": "string", "enum": ["ephemeral", "in_channel"]],
            ],
        ],
        "CommandAnswer": [
            "type": "object", "required": ["id", "status"],
            "properties": [
                "id": ["type": "string"], "status": ["type": "string", "enum": ["answered", "deferred"]], "text": nullableString,
                "blocks": ["type": ["array", "null"], "items": ["type": "object"]],
                "responseType": ["type": "string", "enum": ["ephemeral", "in_channel"]],
            ],
        ],
        "CommandInvocation": [
            "type": "object", "required": ["id", "command", "userId", "outcome", "latencyMs", "createdAt"],
            "properties": [
                "id": ["type": "string"], "organizationId": ["type": "string"], "integrationId": ["type": "string"],
                "commandId": ["type": "string"], "command": ["type": "string"], "userId": ["type": "string"], "text": ["type": "string"],
                "request": ["type": "object"], "outcome": ["type": "string", "enum": ["answered", "deferred", "failed", "timed_out"]],
                "answer": ["type": ["object", "null"]], "statusCode": ["type": ["integer", "null"]], "latencyMs": ["type": "integer"],
                "error": nullableString, "responses": ["type": "array", "items": ["type": "object"]], "createdAt": timestamp,
            ],
        ],
        "IntegrationCreate": [
            "type": "object", "required": ["name"], "additionalProperties": false,
            "properties": [
                "name": name, "description": text,
                "iconSvg": ["type": "string", "description": "An inert SVG document: no scripts, handlers or external references."],
                "bot": ["type": "boolean"], "endpoint": APIOperation.ref("IntegrationEndpoint"), "features": features,
            ],
        ],
        "IntegrationUpdate": [
            "type": "object", "additionalProperties": false,
            "properties": [
                "name": name, "description": text,
                "iconSvg": nullableString, "status": ["type": "string", "enum": ["published", "hidden"]],
                "api": APIOperation.ref("APISettings"), "endpoint": APIOperation.ref("IntegrationEndpointUpdate"), "features": features,
            ],
        ],
        "OpenAPISource": [
            "type": "object", "description": "An OpenAPI 3.0/3.1/3.2 or Swagger 2.0 document; YAML is sent as application/yaml.",
        ],
        "LintProblem": [
            "type": "object", "required": ["rule", "severity", "pointer", "message"],
            "properties": [
                "rule": ["type": "string"], "severity": ["type": "string", "enum": ["error", "warn", "info", "hint"]],
                "pointer": ["type": "string"], "line": ["type": "integer"], "column": ["type": "integer"], "message": ["type": "string"],
            ],
        ],
        "LintReport": [
            "type": "object", "required": ["valid", "operations", "problems"],
            "properties": [
                "valid": ["type": "boolean"], "version": nullableString, "operations": ["type": "integer"],
                "problems": ["type": "array", "items": APIOperation.ref("LintProblem")],
            ],
        ],
        "APISettings": [
            "type": "object", "required": ["auth", "pagination"], "additionalProperties": false,
            "properties": [
                "baseUrl": ["type": "string", "format": "uri"],
                "auth": [
                    "type": "object", "required": ["type"], "additionalProperties": false,
                    "properties": [
                        "type": ["type": "string", "enum": ["apiKey", "basic", "oauth2", "none"]],
                        "headerName": ["type": "string"], "preamble": ["type": "string"], "in": ["type": "string", "enum": ["header", "query"]],
                        "queryParam": ["type": "string"], "extraHeaders": stringMap,
                        "grantType": ["type": "string", "enum": ["client_credentials", "authorization_code"]],
                        "authorizationUrl": ["type": "string"], "tokenUrl": ["type": "string"], "refreshUrl": ["type": "string"],
                        "scope": ["type": "string"], "accessTokenScheme": ["type": "string"], "tokenKey": ["type": "string"],
                        "expiresKey": ["type": "string"], "refreshTokenKey": ["type": "string"],
                        "tokenRequestContentType": ["type": "string", "enum": ["application/x-www-form-urlencoded", "application/json"]],
                        "tokenRequestMethod": ["type": "string", "enum": ["POST", "GET"]], "basicAuthOnExchange": ["type": "boolean"],
                        "includeClientConfigOnRefresh": ["type": "boolean"], "includeRedirectUriOnRefresh": ["type": "boolean"],
                        "refreshStrategy": ["type": "string", "enum": ["automatic", "interval"]],
                        "refreshBufferSeconds": ["type": "integer", "minimum": 30, "maximum": 3600],
                        "refreshIntervalSeconds": ["type": "integer", "minimum": 300, "maximum": 86400],
                        "extraAuthorizationParams": stringMap,
                    ],
                ],
                "pagination": [
                    "type": "object", "required": ["type"], "additionalProperties": false,
                    "properties": [
                        "type": ["type": "string", "enum": ["none", "index", "page", "link", "pointer"]],
                        "resultsKey": ["type": "string"], "pageSizeParam": ["type": "string"],
                        "defaultPageSize": ["type": "integer", "minimum": 1, "maximum": 1000],
                        "pageLimit": ["type": "integer", "minimum": 1, "maximum": 20], "indexParam": ["type": "string"],
                        "pageParam": ["type": "string"], "linkLocation": ["type": "string", "enum": ["header", "body"]],
                        "headerName": ["type": "string"], "headerRel": ["type": "string"], "nextPageKey": ["type": "string"],
                        "afterParam": ["type": "string"], "pointerPath": ["type": "string"],
                    ],
                ],
            ],
        ],
        "Installation": [
            "type": "object", "required": ["id", "integrationId", "organizationId", "state"],
            "properties": [
                "id": ["type": "string"], "integrationId": ["type": "string"], "organizationId": ["type": "string"],
                "state": ["type": "string", "enum": ["ready", "authorization_required", "reauthorization_required"]],
                "stateReason": nullableString, "tokenExpiresAt": nullableTimestamp,
                "mapping": ["oneOf": [APIOperation.ref("OrganizationMappingSettings"), ["type": "null"]]], "createdAt": timestamp,
                "updatedAt": timestamp,
            ],
        ],
        "InstallationCreate": [
            "type": "object", "additionalProperties": false,
            "properties": [
                "organizationId": ["type": "string", "description": "The integration's organization (default) or a descendant."],
                "credentials": [
                    "type": "object", "additionalProperties": false, "description": "Sealed at rest and never returned.",
                    "properties": [
                        "apiKey": ["type": "string"], "username": ["type": "string"], "password": ["type": "string"],
                        "clientId": ["type": "string"], "clientSecret": ["type": "string"],
                    ],
                ],
            ],
        ],
        "ActionRun": [
            "type": "object", "additionalProperties": false,
            "properties": [
                "parameters": ["type": "object", "description": "Values by parameter name, checked against the action's schemas."],
                "body": ["description": "The request body (JSON; sent as JSON, form or multipart as the operation accepts)."],
                "paginate": ["type": "boolean"], "pageLimit": ["type": "integer", "minimum": 1, "maximum": 20],
                "organizationId": ["type": "string", "description": "A mapped child organization: its external id fills the mapping's parameter."],
            ],
        ],
        "ActionRunResult": [
            "type": "object", "required": ["status", "pages", "response", "requests"],
            "properties": [
                "status": ["type": "integer"], "pages": ["type": "integer"], "results": ["type": "array"],
                "stopReason": nullableString, "requests": ["type": "integer"],
                "response": [
                    "type": "object", "required": ["status", "headers", "body"],
                    "properties": ["status": ["type": "integer"], "headers": stringMap, "body": [:]],
                ],
            ],
        ],
        "OrganizationMappingSettings": [
            "type": "object", "required": ["actionId", "idKey", "nameKey", "parameter"],
            "properties": [
                "actionId": ["type": "string"], "idKey": ["type": "string"], "nameKey": ["type": "string"], "parameter": ["type": "string"],
            ],
        ],
        "OrganizationMappingEntry": [
            "type": "object", "required": ["organizationId", "externalId"], "additionalProperties": false,
            "properties": ["organizationId": ["type": "string"], "externalId": ["type": "string"], "externalName": ["type": "string"]],
        ],
        "OrganizationMapping": [
            "type": "object", "required": ["entries"],
            "properties": [
                "settings": ["oneOf": [APIOperation.ref("OrganizationMappingSettings"), ["type": "null"]]],
                "entries": ["type": "array", "items": APIOperation.ref("OrganizationMappingEntry")],
            ],
        ],
        "OrganizationMappingPut": [
            "type": "object", "required": ["actionId", "idKey", "nameKey", "parameter"], "additionalProperties": false,
            "properties": [
                "actionId": ["type": "string"], "idKey": ["type": "string"], "nameKey": ["type": "string"], "parameter": ["type": "string"],
                "entries": ["type": "array", "items": APIOperation.ref("OrganizationMappingEntry")],
            ],
        ],
        "OrganizationMappingSuggest": [
            "type": "object", "additionalProperties": false,
            "properties": [
                "parameters": ["type": "object", "description": "Values for the mapping action's parameters, by name."],
                "pageLimit": ["type": "integer", "minimum": 1, "maximum": 20, "description": "Pages to fetch at most."],
            ],
        ],
        "OrganizationMappingSuggestions": [
            "type": "object", "required": ["candidates", "pages", "suggestions"],
            "properties": [
                "candidates": ["type": "integer"], "pages": ["type": "integer"],
                "suggestions": [
                    "type": "array",
                    "items": [
                        "type": "object", "required": ["organizationId", "organizationName"],
                        "properties": [
                            "organizationId": ["type": "string"], "organizationName": ["type": "string"], "externalId": nullableString,
                            "externalName": nullableString, "score": ["type": ["number", "null"]],
                        ],
                    ],
                ],
            ],
        ],
        "ImportedIntegration": [
            "allOf": [
                APIOperation.ref("Integration"),
                [
                    "type": "object",
                    "properties": [
                        "api": APIOperation.ref("APISettings"), "source": ["type": "string"],
                        "actions": ["type": "array", "items": APIOperation.ref("Action")],
                        "problems": ["type": "array", "items": APIOperation.ref("LintProblem")],
                    ],
                ],
            ]
        ],
        "ActionParameter": [
            "type": "object", "required": ["name", "in", "required"],
            "properties": [
                "name": ["type": "string"], "in": ["type": "string", "enum": ["path", "query", "header", "cookie"]],
                "required": ["type": "boolean"], "description": ["type": "string"], "schema": [:], "style": ["type": "string"],
                "explode": ["type": "boolean"],
            ],
        ],
        "ActionRequestBody": [
            "type": "object", "required": ["required", "content"],
            "properties": ["required": ["type": "boolean"], "content": ["type": "object", "additionalProperties": [:]]],
        ],
        "Action": [
            "type": "object", "required": ["id", "integrationId", "name", "description", "method", "path", "parameters", "paginated"],
            "properties": [
                "id": ["type": "string"], "integrationId": ["type": "string"], "name": ["type": "string"], "operationId": nullableString,
                "description": ["type": "string"], "method": ["type": "string"], "path": ["type": "string"],
                "parameters": ["type": "array", "items": APIOperation.ref("ActionParameter")],
                "requestBody": ["oneOf": [APIOperation.ref("ActionRequestBody"), ["type": "null"]]], "responseSchema": [:],
                "paginated": ["type": "boolean"], "createdAt": timestamp, "updatedAt": timestamp,
            ],
        ],
        "ActionCreate": [
            "type": "object", "required": ["name", "method", "path"], "additionalProperties": false,
            "properties": [
                "name": name, "operationId": ["type": "string"], "description": text,
                "method": httpMethod, "path": ["type": "string"],
                "parameters": ["type": "array", "items": APIOperation.ref("ActionParameter")],
                "requestBody": APIOperation.ref("ActionRequestBody"), "responseSchema": [:], "paginated": ["type": "boolean"],
            ],
        ],
        "ActionUpdate": [
            "type": "object", "additionalProperties": false,
            "properties": [
                "name": name, "operationId": ["type": "string"], "description": text,
                "method": httpMethod, "path": ["type": "string"],
                "parameters": ["type": "array", "items": APIOperation.ref("ActionParameter")],
                "requestBody": APIOperation.ref("ActionRequestBody"), "responseSchema": [:], "paginated": ["type": "boolean"],
            ],
        ],
        "ActionRename": [
            "type": "object", "required": ["pattern", "replacement"], "additionalProperties": false,
            "properties": [
                "pattern": ["type": "string", "maxLength": 200], "replacement": ["type": "string", "description": "$1 or ${name} insert groups"],
                "dryRun": ["type": "boolean"],
            ],
        ],
        "ActionRenameResult": [
            "type": "object", "required": ["dryRun", "changes"],
            "properties": [
                "dryRun": ["type": "boolean"],
                "changes": [
                    "type": "array",
                    "items": [
                        "type": "object", "required": ["id", "from", "to"],
                        "properties": ["id": ["type": "string"], "from": ["type": "string"], "to": ["type": "string"]],
                    ],
                ],
            ],
        ],
        "IntegrationFinalize": [
            "type": "object", "additionalProperties": false,
            "properties": ["status": ["type": "string", "enum": ["published", "hidden"]]],
        ],
        "Token": [
            "type": "object", "required": ["id", "name", "prefix", "scopes"],
            "properties": [
                "id": ["type": "string"], "organizationId": nullableString, "name": ["type": "string"], "prefix": ["type": "string"],
                "scopes": scopes, "userId": nullableString, "integrationId": nullableString, "expiresAt": nullableTimestamp,
                "lastUsedAt": nullableTimestamp, "revokedAt": nullableTimestamp, "createdAt": timestamp, "updatedAt": timestamp,
            ],
        ],
        "TokenCreated": [
            "type": "object", "required": ["id", "name", "token", "prefix", "scopes", "expiresAt", "createdAt"],
            "properties": [
                "id": ["type": "string"], "name": ["type": "string"],
                "token": ["type": "string", "description": "The secret. Shown in this response only."],
                "prefix": ["type": "string"], "scopes": scopes, "expiresAt": nullableTimestamp, "createdAt": timestamp,
                "organizationId": ["type": "string"], "userId": nullableString, "integrationId": nullableString,
            ],
        ],
        "TokenCreate": [
            "type": "object", "required": ["name"], "additionalProperties": false,
            "properties": [
                "name": name, "userId": ["type": "string"], "integrationId": ["type": "string"],
                "scopes": scopes, "expiresAt": timestamp,
                "expiresIn": ["type": "integer", "minimum": 60, "maximum": 315_360_000, "description": "Seconds from now."],
            ],
        ],
        "ConsoleLinkCreate": [
            "type": "object", "additionalProperties": false,
            "properties": [
                "expiresIn": ["type": "integer", "minimum": 60, "maximum": 86_400, "description": "Seconds from now; 3600 when left out."],
                "scopes": scopes,
            ],
        ],
        "ConsoleLink": [
            "type": "object", "required": ["url", "expiresAt"],
            "properties": [
                "url": ["type": "string", "format": "uri", "description": "Signs its first visitor in; single use."],
                "expiresAt": timestamp,
            ],
        ],
        "TokenUpdate": [
            "type": "object", "required": ["name"], "additionalProperties": false,
            "properties": ["name": name],
        ],
        "Webhook": [
            "type": "object", "required": ["id", "name", "url", "eventTypes", "active", "state"],
            "properties": [
                "id": ["type": "string"], "organizationId": ["type": "string"], "integrationId": nullableString,
                "name": ["type": "string", "maxLength": 200], "url": ["type": "string", "format": "uri"],
                "eventTypes": ["type": "array", "items": ["type": "string"], "description": "Empty for every type"],
                "verifyTls": ["type": "boolean"], "format": ["type": "string", "enum": ["json", "form"]],
                "maxEventsPerRequest": ["type": "integer", "minimum": 1, "maximum": 100],
                "rateLimit": ["type": ["integer", "null"], "minimum": 1, "maximum": 10000, "description": "Deliveries a second; null for no limit"],
                "headers": ["type": "object", "additionalProperties": ["type": "string"]],
                "active": ["type": "boolean"], "state": ["type": "string", "enum": ["active", "paused", "failing", "disabled"]],
                "authorization": [
                    "type": ["object", "null"], "properties": ["scheme": ["type": "string"], "token": ["type": "string", "description": "Masked"]],
                ],
                "lastTriggeredAt": nullableTimestamp, "lastStatus": ["type": ["integer", "null"]], "heldCount": ["type": "integer", "minimum": 0],
                "createdAt": timestamp, "updatedAt": timestamp,
            ],
        ],
        "WebhookCreated": [
            "allOf": [
                APIOperation.ref("Webhook"),
                [
                    "type": "object", "required": ["secret", "handshake"],
                    "properties": ["secret": ["type": "string"], "handshake": APIOperation.ref("Handshake")],
                ],
            ]
        ],
        "WebhookTested": [
            "allOf": [
                APIOperation.ref("Webhook"),
                ["type": "object", "required": ["handshake"], "properties": ["handshake": APIOperation.ref("Handshake")]],
            ]
        ],
        "Handshake": [
            "type": "object", "required": ["ok", "durationMs", "challengeEchoed", "deliveryId"],
            "description": "The answer to the signed webhook.handshake: ok when the receiver echoed the challenge or answered 2xx",
            "properties": [
                "ok": ["type": "boolean"], "statusCode": ["type": "integer"], "durationMs": ["type": "integer"],
                "challengeEchoed": ["type": "boolean"], "error": ["type": "string"], "deliveryId": ["type": "string"],
            ],
        ],
        "WebhookCreate": [
            "type": "object", "required": ["name", "url"], "additionalProperties": false,
            "properties": [
                "name": name, "url": ["type": "string", "format": "uri"],
                "eventTypes": ["type": "array", "items": ["type": "string"], "description": "Empty for every type"],
                "verifyTls": ["type": "boolean"], "format": ["type": "string", "enum": ["json", "form"]],
                "maxEventsPerRequest": ["type": "integer", "minimum": 1, "maximum": 100],
                "rateLimit": ["type": ["integer", "null"], "minimum": 1, "maximum": 10000, "description": "Deliveries a second; null for no limit"],
                "headers": customHeaders,
                "integrationId": ["type": "string"], "active": ["type": "boolean"],
                "authorization": [
                    "type": "object", "required": ["scheme", "token"],
                    "properties": ["scheme": ["type": "string", "enum": ["Bearer", "Token"]], "token": authorizationToken],
                ],
                "secret": ["type": "string", "description": "whsec_ and the base64 of 24–64 bytes; generated when omitted"],
            ],
        ],
        "WebhookUpdate": [
            "type": "object", "additionalProperties": false,
            "properties": [
                "name": name, "url": ["type": "string", "format": "uri"],
                "eventTypes": ["type": "array", "items": ["type": "string"], "description": "Empty for every type"],
                "verifyTls": ["type": "boolean"], "format": ["type": "string", "enum": ["json", "form"]],
                "maxEventsPerRequest": ["type": "integer", "minimum": 1, "maximum": 100],
                "rateLimit": ["type": ["integer", "null"], "minimum": 1, "maximum": 10000, "description": "Null removes the limit"],
                "headers": customHeaders,
                "active": ["type": "boolean"],
                "authorization": [
                    "type": ["object", "null"], "required": ["scheme", "token"],
                    "properties": ["scheme": ["type": "string", "enum": ["Bearer", "Token"]], "token": authorizationToken],
                ],
            ],
        ],
        "WebhookRotate": ["type": "object", "additionalProperties": false, "properties": ["secret": ["type": "string"]]],
        "WebhookSecret": [
            "type": "object", "required": ["secret"],
            "properties": ["secret": ["type": "string"], "previousSecret": nullableString, "previousSecretExpiresAt": nullableTimestamp],
        ],
        "Delivery": [
            "type": "object", "required": ["id", "eventIds", "status", "attempts"],
            "properties": [
                "id": ["type": "string"], "webhookId": ["type": "string"], "eventIds": ["type": "array", "items": ["type": "string"]],
                "status": ["type": "string", "enum": ["pending", "succeeded", "retrying", "failed", "held"]], "attempts": ["type": "integer"],
                "lastAttemptAt": nullableTimestamp, "nextAttemptAt": nullableTimestamp, "createdAt": timestamp,
            ],
        ],
        "DeliveryDetail": [
            "type": "object", "required": ["id", "eventIds", "status", "attemptCount", "attempts"],
            "properties": [
                "id": ["type": "string"], "webhookId": ["type": "string"], "eventIds": ["type": "array", "items": ["type": "string"]],
                "status": ["type": "string", "enum": ["pending", "succeeded", "retrying", "failed", "held"]], "attemptCount": ["type": "integer"],
                "attempts": ["type": "array", "items": ["type": "object"]], "lastAttemptAt": nullableTimestamp,
                "nextAttemptAt": nullableTimestamp, "createdAt": timestamp,
            ],
        ],
        "WebhookRecover": [
            "type": "object", "required": ["since"], "additionalProperties": false,
            "properties": ["since": ["type": "string", "format": "date-time"]],
        ],
        "Recovered": [
            "type": "object", "required": ["recovered", "data"],
            "properties": [
                "recovered": ["type": "integer"], "released": ["type": "integer"], "data": ["type": "array", "items": APIOperation.ref("Delivery")],
            ],
        ],
        "IntegrationCall": [
            "type": "object", "required": ["payload"], "additionalProperties": false,
            "properties": [
                "payload": ["description": "Any JSON; sent as the request body, signed like a webhook delivery"],
                "timeoutMs": ["type": "integer", "minimum": 100, "maximum": 30000, "description": "10000 when omitted"],
            ],
        ],
        "InboundVerification": [
            "type": "object", "required": ["scheme"], "additionalProperties": false,
            "properties": [
                "scheme": [
                    "type": "string",
                    "enum": ["none", "standard-webhooks", "github", "stripe", "slack", "hmac-sha256", "basic", "header"],
                ],
                "secret": ["type": "string", "description": "Generated for standard-webhooks when omitted (and returned once)"],
                "header": [
                    "type": "string", "pattern": headerNamePattern, "maxLength": 100,
                    "description": "hmac-sha256: the signature header; header: the header that must equal the secret",
                ],
                "encoding": ["type": "string", "enum": ["hex", "base64"]], "username": ["type": "string"], "password": ["type": "string"],
            ],
        ],
        "InboundWebhook": [
            "type": "object", "required": ["id", "name", "eventType", "url", "active", "verification", "stats"],
            "properties": [
                "id": ["type": "string"], "organizationId": ["type": "string"], "integrationId": nullableString, "name": ["type": "string"],
                "eventType": ["type": "string"],
                "url": ["type": "string", "description": "The absolute path providers post to: /in/ and an unguessable token"],
                "active": ["type": "boolean"],
                "verification": [
                    "type": "object",
                    "properties": [
                        "scheme": ["type": "string"], "header": nullableString, "encoding": nullableString, "username": nullableString,
                        "secretSet": ["type": "boolean"],
                    ],
                ],
                "stats": [
                    "type": "object",
                    "properties": [
                        "accepted": ["type": "integer"], "rejected": ["type": "integer"], "duplicates": ["type": "integer"],
                        "lastReceivedAt": nullableTimestamp, "lastRejectedAt": nullableTimestamp, "lastRejection": nullableString,
                    ],
                ],
                "createdAt": timestamp, "updatedAt": timestamp,
            ],
        ],
        "InboundWebhookCreated": [
            "allOf": [
                APIOperation.ref("InboundWebhook"),
                ["type": "object", "properties": ["secret": ["type": "string", "description": "Only when Patchbay generated it"]]],
            ]
        ],
        "InboundWebhookCreate": [
            "type": "object", "required": ["name", "eventType"], "additionalProperties": false,
            "properties": [
                "name": name, "eventType": ["type": "string"], "integrationId": ["type": "string"],
                "verification": APIOperation.ref("InboundVerification"), "active": ["type": "boolean"],
            ],
        ],
        "InboundWebhookUpdate": [
            "type": "object", "additionalProperties": false,
            "properties": [
                "name": name, "eventType": ["type": "string"],
                "verification": APIOperation.ref("InboundVerification"), "active": ["type": "boolean"],
            ],
        ],
        "InboundRequest": [
            "type": "object", "required": ["id", "receivedAt", "headers", "body", "bodyEncoding", "verdict"],
            "properties": [
                "id": ["type": "string"], "inboundWebhookId": ["type": "string"], "receivedAt": timestamp,
                "headers": ["type": "object", "additionalProperties": ["type": "string"]], "body": ["type": "string"],
                "bodyEncoding": ["type": "string", "enum": ["utf8", "base64"]],
                "verdict": ["type": "string", "enum": ["verified", "unverified", "invalid"]], "deliveryId": nullableString,
                "eventId": nullableString, "problems": ["type": "array", "items": ["type": "object"]],
            ],
        ],
        "InboundPayload": ["type": "object", "description": "Whatever the provider sends: JSON, or a form"],
        "InboundReceipt": [
            "type": "object", "required": ["id", "duplicate"],
            "properties": [
                "id": ["type": "string"], "eventId": nullableString,
                "duplicate": ["type": "boolean", "description": "The provider's delivery id was seen before; nothing new was stored"],
                "challenge": ["type": "string", "description": "Slack's url_verification challenge, echoed"],
            ],
        ],
        "EventType": [
            "type": "object", "required": ["name", "description", "example", "builtIn"],
            "properties": [
                "name": ["type": "string"], "description": ["type": "string"], "schema": ["type": ["object", "boolean", "null"]], "example": [:],
                "builtIn": ["type": "boolean"], "createdAt": nullableTimestamp,
            ],
        ],
        "EventTypeCreate": [
            "type": "object", "required": ["name"], "additionalProperties": false,
            "properties": [
                "name": ["type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*(\\.[a-z0-9][a-z0-9_-]*)+$", "maxLength": 100],
                "description": ["type": "string", "maxLength": 2000, "pattern": textPattern],
                "schema": ["type": ["object", "boolean", "null"], "description": "JSON Schema subset for data (true and false are schemas too)"],
                "example": ["description": "Generated from the schema when omitted"],
            ],
        ],
        "EventPublish": [
            "type": "object", "required": ["type", "data"], "additionalProperties": false,
            "properties": ["type": ["type": "string"], "data": ["type": "object"]],
        ],
        "EventBatch": [
            "type": "object", "required": ["events"], "additionalProperties": false,
            "properties": ["events": ["type": "array", "minItems": 1, "maxItems": 1000, "items": APIOperation.ref("EventPublish")]],
        ],
        "Event": [
            "type": "object", "required": ["id", "type", "action", "createdAt", "organizationId", "actor", "data"],
            "properties": [
                "id": ["type": "string"], "type": ["type": "string"], "action": ["type": "string"], "createdAt": timestamp,
                "organizationId": ["type": "string"],
                "actor": [
                    "type": "object",
                    "properties": [
                        "type": ["type": "string", "enum": ["admin", "user", "integration", "token", "inbound"]],
                        "id": nullableString, "userId": nullableString, "tokenId": nullableString,
                    ],
                ],
                "data": [:],
            ],
        ],
    ]
}
