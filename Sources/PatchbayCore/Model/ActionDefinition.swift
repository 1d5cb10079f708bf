/// What an action sends: one API operation as a request template.
public struct ActionDefinition: Sendable, Equatable, Codable {
    public struct Parameter: Sendable, Equatable, Codable {
        public enum Location: String, Sendable, Codable, CaseIterable {
            case path, query, header, cookie
        }

        public var name: String
        public var location: Location
        public var required: Bool
        public var description: String?
        public var schema: JSONValue?
        public var style: String?
        public var explode: Bool?

        enum CodingKeys: String, CodingKey {
            case name
            case location = "in"
            case required, description, schema, style, explode
        }

        public init(
            name: String, location: Location, required: Bool, description: String? = nil, schema: JSONValue? = nil, style: String? = nil,
            explode: Bool? = nil
        ) {
            self.name = name
            self.location = location
            self.required = required
            self.description = description
            self.schema = schema
            self.style = style
            self.explode = explode
        }
    }

    public struct RequestBody: Sendable, Equatable, Codable {
        public var required: Bool
        /// Media type → schema.
        public var content: [String: JSONValue]

        public init(required: Bool, content: [String: JSONValue]) {
            self.required = required
            self.content = content
        }
    }

    public var name: String
    public var operationId: String?
    public var description: String
    public var method: String
    /// The path template, `/users/{id}`.
    public var path: String
    public var parameters: [Parameter]
    public var requestBody: RequestBody?
    public var responseSchema: JSONValue?
    public var paginated: Bool

    public init(
        name: String,
        operationId: String?,
        description: String,
        method: String,
        path: String,
        parameters: [Parameter],
        requestBody: RequestBody?,
        responseSchema: JSONValue?,
        paginated: Bool
    ) {
        self.name = name
        self.operationId = operationId
        self.description = description
        self.method = method
        self.path = path
        self.parameters = parameters
        self.requestBody = requestBody
        self.responseSchema = responseSchema
        self.paginated = paginated
    }
}
