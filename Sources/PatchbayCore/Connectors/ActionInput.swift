/// What a caller gives an action run: parameter values by name and an optional body. Checked against the action's
/// definition before any request is made, so a bad run costs no call to the API.
public struct ActionInput: Sendable, Equatable {
    public var parameters: [String: JSONValue]
    public var body: JSONValue?

    public init(parameters: [String: JSONValue] = [:], body: JSONValue? = nil) {
        self.parameters = parameters
        self.body = body
    }

    /// Every problem with this input, with pointers into the run request (`/parameters/id`, `/body/name`).
    /// `definitions` resolves the `$ref`s the action's schemas kept. Each schema is compiled with its references
    /// memoized (see `CompiledSchema`), so a self-referential one validates in time linear in the value.
    public func problems(for action: ActionDefinition, definitions: [String: JSONValue]) -> [FieldError] {
        var problems: [FieldError] = []
        let declared = Dictionary(action.parameters.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for name in parameters.keys.sorted() where declared[name] == nil {
            problems.append(FieldError(pointer: "/parameters/" + JSONPointer.escape(name), "is not a parameter of \(action.name)"))
        }
        for parameter in action.parameters {
            let pointer = "/parameters/" + JSONPointer.escape(parameter.name)
            guard let value = parameters[parameter.name], value != .null else {
                if parameter.required || parameter.location == .path { problems.append(FieldError(pointer: pointer, "is required")) }
                continue
            }
            if let schema = parameter.schema {
                problems += CompiledSchema(schema, definitions: definitions).problems(value, at: pointer)
            }
            if parameter.location == .path, case .string(let text) = value, text.isEmpty {
                problems.append(FieldError(pointer: pointer, "must not be empty (it fills a path segment)"))
            }
            // Header and cookie values are sent as written: a line break would start another header.
            if parameter.location == .header || parameter.location == .cookie, Self.hasControlCharacters(value) {
                problems.append(FieldError(pointer: pointer, "must not contain control characters (it is sent as a header)"))
            }
        }
        switch (action.requestBody, body) {
        case (nil, let body?) where body != .null:
            problems.append(FieldError(pointer: "/body", "\(action.name) takes no request body"))
        case (let requestBody?, nil), (let requestBody?, .null?):
            if requestBody.required { problems.append(FieldError(pointer: "/body", "is required")) }
        case (let requestBody?, let body?):
            if let mediaType = RequestBuilder.mediaType(for: requestBody), let schema = requestBody.content[mediaType] {
                problems += CompiledSchema(schema, definitions: definitions).problems(body, at: "/body")
            }
        default:
            break
        }
        return problems
    }

    static func hasControlCharacters(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
        case .array(let items): items.contains(where: hasControlCharacters)
        case .object(let members): members.contains { hasControlCharacters(.string($0.key)) || hasControlCharacters($0.value) }
        default: false
        }
    }
}
