/// A stored action: one request an integration can make, with its identity.
public struct Action: Sendable, Equatable {
    public var id: String
    public var integrationId: String
    public var definition: ActionDefinition
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(id: String, integrationId: String, definition: ActionDefinition, createdAt: Int64, updatedAt: Int64) {
        self.id = id
        self.integrationId = integrationId
        self.definition = definition
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Names are unique within an integration regardless of case.
    public static func nameKey(_ name: String) -> String { name.lowercased() }
}

extension Action: Encodable {
    enum CodingKeys: String, CodingKey {
        case id, integrationId, name, operationId, description, method, path, parameters, requestBody, responseSchema, paginated, createdAt,
            updatedAt
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(integrationId, forKey: .integrationId)
        try container.encode(definition.name, forKey: .name)
        try container.encode(definition.operationId, forKey: .operationId)
        try container.encode(definition.description, forKey: .description)
        try container.encode(definition.method, forKey: .method)
        try container.encode(definition.path, forKey: .path)
        try container.encode(definition.parameters, forKey: .parameters)
        try container.encode(definition.requestBody, forKey: .requestBody)
        try container.encode(definition.responseSchema, forKey: .responseSchema)
        try container.encode(definition.paginated, forKey: .paginated)
        try container.encode(Timestamp.format(createdAt), forKey: .createdAt)
        try container.encode(Timestamp.format(updatedAt), forKey: .updatedAt)
    }
}

/// An integration's API connection as stored: the settings (`api`) and the schemas its actions still
/// reference by `$ref` (recursive or very large ones), which the runner resolves against.
public struct IntegrationAPI: Sendable, Equatable, Codable {
    public var settings: APISettings
    public var definitions: [String: JSONValue]
    /// "OpenAPI 3.0.3", "Swagger 2.0", or nil for a manual integration.
    public var source: String?

    public init(settings: APISettings, definitions: [String: JSONValue], source: String?) {
        self.settings = settings
        self.definitions = definitions
        self.source = source
    }
}
