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
    /// `definitions` resolves the `$ref`s the action's schemas kept.
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
                problems += JSONSchema.problems(value, against: OpenAPISchema.normalized(schema, definitions: definitions), at: pointer)
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
                problems += JSONSchema.problems(body, against: OpenAPISchema.normalized(schema, definitions: definitions), at: "/body")
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

/// OpenAPI schema objects in the form the JSON Schema validator reads: `$ref`s resolved from the stored
/// definitions, `nullable` (3.0) as a `null` type, `allOf` merged. `oneOf`/`anyOf` are left unchecked rather
/// than guessed at: a run must never be refused for a value the API accepts.
enum OpenAPISchema {
    static let maximumDepth = 24

    static func normalized(_ schema: JSONValue, definitions: [String: JSONValue], depth: Int = 0) -> JSONValue {
        guard depth < maximumDepth, case .object(var members) = schema else { return depth < maximumDepth ? schema : .bool(true) }
        if let reference = members["$ref"]?.stringValue {
            guard let target = definitions[reference] else { return .bool(true) }
            return normalized(target, definitions: definitions, depth: depth + 1)
        }
        if case .array(let parts)? = members.removeValue(forKey: "allOf") {
            for part in parts {
                guard case .object(let merged) = normalized(part, definitions: definitions, depth: depth + 1) else { continue }
                for (key, value) in merged {
                    switch (key, members[key], value) {
                    case ("properties", .object(let existing)?, .object(let more)):
                        members[key] = .object(existing.merging(more, uniquingKeysWith: { first, _ in first }))
                    case ("required", .array(let existing)?, .array(let more)):
                        members[key] = .array(existing + more)
                    default:
                        if members[key] == nil { members[key] = value }
                    }
                }
            }
        }
        if members["nullable"] == .bool(true), let type = members["type"] {
            switch type {
            case .string: members["type"] = .array([type, "null"])
            case .array(let types): members["type"] = .array(types + ["null"])
            default: break
            }
            if case .array(let options)? = members["enum"] { members["enum"] = .array(options + [.null]) }
        }
        if case .object(let properties)? = members["properties"] {
            members["properties"] = .object(properties.mapValues { normalized($0, definitions: definitions, depth: depth + 1) })
        }
        for key in ["items", "additionalProperties"] {
            if let inner = members[key], case .object = inner { members[key] = normalized(inner, definitions: definitions, depth: depth + 1) }
        }
        // Choices are not checked (see above); an unknown keyword is ignored by the validator anyway.
        members.removeValue(forKey: "oneOf")
        members.removeValue(forKey: "anyOf")
        return .object(members)
    }
}
