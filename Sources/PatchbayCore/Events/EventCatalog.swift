/// The event types Patchbay emits itself. Their namespaces are reserved: hosts register other names.
public enum EventCatalog {
    public static let reservedPrefixes = ["organization.", "user.", "integration.", "webhook.", "patchbay."]

    public static func isReserved(_ name: String) -> Bool { reservedPrefixes.contains { name.hasPrefix($0) } }

    public static let builtIn: [EventType] = {
        var types: [EventType] = []
        let timestamps: [String: JSONValue] = [
            "createdAt": ["type": "string", "format": "date-time"], "updatedAt": ["type": "string", "format": "date-time"],
        ]
        let organization: JSONValue = object(
            [
                "id": ["type": "string", "const": "org_01JD8Y3N4P5Q6R7S8T9V0W1X2Y"], "name": ["type": "string"],
                "parentId": ["type": ["string", "null"]],
            ],
            timestamps
        )
        let user: JSONValue = object(
            [
                "id": ["type": "string", "const": "usr_01JD8Y3N4P5Q6R7S8T9V0W1X2Y"], "organizationId": ["type": "string"], "name": ["type": "string"],
                "email": ["type": ["string", "null"], "format": "email"], "phone": ["type": ["string", "null"]],
                "role": ["type": "string", "enum": ["member", "admin"]], "kind": ["type": "string", "enum": ["human", "bot", "app"]],
                "integrationId": ["type": ["string", "null"]],
            ],
            timestamps
        )
        let integration: JSONValue = object(
            [
                "id": ["type": "string", "const": "int_01JD8Y3N4P5Q6R7S8T9V0W1X2Y"], "organizationId": ["type": "string"], "name": ["type": "string"],
                "description": ["type": "string"], "iconSvg": ["type": ["string", "null"]],
                "status": ["type": "string", "enum": ["draft", "published", "hidden"]], "bot": ["type": "boolean"],
                "user": ["type": "object", "properties": ["id": ["type": "string"], "kind": ["type": "string", "enum": ["app", "bot"]]]],
                "finalizedAt": ["type": ["string", "null"], "format": "date-time"],
            ],
            timestamps
        )
        for (subject, schema) in [("organization", organization), ("user", user), ("integration", integration)] {
            for action in ["created", "updated", "deleted"] {
                types.append(
                    EventType(
                        name: "\(subject).\(action)",
                        description: "An \(subject) was \(action); data is the \(subject) as the API shows it.",
                        schema: try? JSONSchema(schema),
                        example: nil,
                        builtIn: true,
                        createdAt: nil
                    )
                )
            }
        }
        let installation: JSONValue = object(
            [
                "id": ["type": "string", "const": "ins_01JD8Y3N4P5Q6R7S8T9V0W1X2Y"], "integrationId": ["type": "string"],
                "organizationId": ["type": "string"],
                "state": ["type": "string", "enum": ["ready", "authorization_required", "reauthorization_required"]],
                "stateReason": ["type": ["string", "null"]],
            ],
            timestamps
        )
        for (name, description) in [
            ("integration.installed", "An integration was installed in an organization; data is the installation."),
            ("integration.uninstalled", "An installation was removed; data is the installation."),
            (
                "integration.reauthorization_required",
                "The provider refused an installation's refresh token (invalid_grant); someone must authorize it again. Data is the installation."
            ),
        ] {
            types.append(
                EventType(name: name, description: description, schema: try? JSONSchema(installation), example: nil, builtIn: true, createdAt: nil))
        }
        types.append(
            EventType(
                name: "webhook.handshake",
                description: "Sent to a webhook when it is created or tested; echo data.challenge (or answer 2xx) to pass.",
                schema: try? JSONSchema(object(["challenge": ["type": "string", "const": "hs_3q2+7wE9"], "webhookId": ["type": "string"]], [:])),
                example: nil,
                builtIn: true,
                createdAt: nil
            )
        )
        types.append(
            EventType(
                name: "webhook.disabled",
                description:
                    "A webhook failed for its whole retry schedule (or answered 410 Gone) and was disabled. The data names its host, "
                    + "never its URL (which may hold a secret).",
                schema: try? JSONSchema(object(["webhookId": ["type": "string"], "host": ["type": "string"], "reason": ["type": "string"]], [:])),
                example: nil,
                builtIn: true,
                createdAt: nil
            )
        )
        types.append(
            EventType(
                name: "command.responded",
                description:
                    "An integration posted a deferred reply to a slash command's response URL (at most 5 within 30 minutes of the command).",
                schema: try? JSONSchema(
                    object(
                        [
                            "invocationId": ["type": "string"], "command": ["type": "string"], "userId": ["type": "string"],
                            "text": ["type": ["string", "null"]], "blocks": ["type": ["array", "null"]],
                            "responseType": ["type": "string", "enum": ["ephemeral", "in_channel"]],
                        ], [:])),
                example: nil,
                builtIn: true,
                createdAt: nil
            )
        )
        return types
    }()

    public static func builtInType(_ name: String) -> EventType? { builtIn.first { $0.name == name } }

    private static func object(_ properties: [String: JSONValue], _ extra: [String: JSONValue]) -> JSONValue {
        ["type": "object", "properties": .object(properties.merging(extra) { first, _ in first })]
    }
}
