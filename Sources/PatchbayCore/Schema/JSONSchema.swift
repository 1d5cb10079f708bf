import Foundation

/// The JSON Schema subset Patchbay validates event data with: `type` (one or several), `properties`,
/// `required`, `additionalProperties`, `enum`, `const`, `items`, `format`, `minimum`/`maximum`
/// (and their exclusive forms), `minLength`/`maxLength`, `pattern`, `minItems`/`maxItems`.
/// Annotations (`title`, `description`, `examples`, `default`, `$schema`, `$id`) are accepted and ignored.
/// Anything else is refused when the schema is registered, so a schema never silently checks less than it says.
public struct JSONSchema: Sendable, Equatable {
    public let document: JSONValue

    static let validationKeywords: Set<String> = [
        "type", "properties", "required", "additionalProperties", "enum", "const", "items", "format", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "minItems", "maxItems",
    ]
    static let annotations: Set<String> = ["title", "description", "examples", "default", "$schema", "$id", "$comment", "deprecated", "readOnly"]
    static let types: Set<String> = ["object", "array", "string", "integer", "number", "boolean", "null"]
    public static let formats: Set<String> = ["date-time", "date", "email", "uri", "uuid", "ipv4", "ipv6", "hostname"]

    /// Checks that `document` is a schema of the supported subset; the problems carry pointers below `base`.
    public init(_ document: JSONValue, at base: String = "/schema") throws {
        var problems: [FieldError] = []
        Self.check(document, at: base, depth: 0, problems: &problems)
        if !problems.isEmpty { throw PatchbayError.validation(problems) }
        self.document = document
    }

    /// Validates `value`; the problems carry pointers below `base` (e.g. `/data/title`).
    public func validate(_ value: JSONValue, at base: String = "/data") -> [FieldError] {
        var problems: [FieldError] = []
        Self.validate(value, against: document, at: base, problems: &problems)
        return problems
    }

    /// Problems of `value` against a raw schema document (pointers relative to the value).
    static func problems(_ value: JSONValue, against schema: JSONValue, at base: String = "") -> [FieldError] {
        var problems: [FieldError] = []
        validate(value, against: schema, at: base, problems: &problems)
        return problems
    }

    // MARK: - Checking the schema itself

    private static func check(_ schema: JSONValue, at pointer: String, depth: Int, problems: inout [FieldError]) {
        guard depth < 32 else { return problems.append(FieldError(pointer: pointer, "nests too deeply (at most 32 levels)")) }
        guard case .object(let members) = schema else {
            if case .bool = schema { return }
            return problems.append(FieldError(pointer: pointer, "must be a JSON Schema object"))
        }
        for (key, value) in members.sorted(by: { $0.key < $1.key }) {
            let here = pointer + "/" + escape(key)
            if annotations.contains(key) { continue }
            guard validationKeywords.contains(key) else {
                problems.append(
                    FieldError(
                        pointer: here, "is not a supported JSON Schema keyword (supported: \(validationKeywords.sorted().joined(separator: ", ")))"))
                continue
            }
            switch key {
            case "type":
                let names: [JSONValue] = if case .array(let items) = value { items } else { [value] }
                if names.isEmpty || !names.allSatisfy({ $0.stringValue.map(types.contains) ?? false }) {
                    problems.append(FieldError(pointer: here, "must be one of \(types.sorted().joined(separator: ", ")) or an array of them"))
                }
            case "properties":
                guard case .object(let properties) = value else {
                    problems.append(FieldError(pointer: here, "must be an object of schemas"))
                    continue
                }
                for (name, property) in properties { check(property, at: here + "/" + escape(name), depth: depth + 1, problems: &problems) }
            case "items", "additionalProperties":
                check(value, at: here, depth: depth + 1, problems: &problems)
            case "required":
                guard case .array(let names) = value, names.allSatisfy({ $0.stringValue != nil }) else {
                    problems.append(FieldError(pointer: here, "must be an array of property names"))
                    continue
                }
            case "enum":
                if case .array(let options) = value, !options.isEmpty { continue }
                problems.append(FieldError(pointer: here, "must be a non-empty array"))
            case "format":
                if let format = value.stringValue, formats.contains(format) { continue }
                problems.append(FieldError(pointer: here, "must be one of \(formats.sorted().joined(separator: ", "))"))
            case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
                if number(value) == nil { problems.append(FieldError(pointer: here, "must be a number")) }
            case "minLength", "maxLength", "minItems", "maxItems":
                if case .int(let count) = value, count >= 0 { continue }
                problems.append(FieldError(pointer: here, "must be a non-negative integer"))
            case "pattern":
                if let pattern = value.stringValue, pattern.utf8.count <= 1000, (try? NSRegularExpression(pattern: pattern)) != nil { continue }
                problems.append(FieldError(pointer: here, "must be a valid regular expression"))
            default:
                break
            }
        }
    }

    // MARK: - Validating a value

    private static func validate(_ value: JSONValue, against schema: JSONValue, at pointer: String, problems: inout [FieldError]) {
        if case .bool(let allowed) = schema {
            if !allowed { problems.append(FieldError(pointer: pointer, "is not allowed")) }
            return
        }
        guard case .object(let rules) = schema else { return }
        if let type = rules["type"] {
            let names: [JSONValue] = if case .array(let items) = type { items } else { [type] }
            let allowed = names.compactMap(\.stringValue)
            guard allowed.contains(where: { matches(value, type: $0) }) else {
                return problems.append(FieldError(pointer: pointer, "must be of type \(allowed.joined(separator: " or ")), not \(typeName(value))"))
            }
        }
        if case .array(let options)? = rules["enum"], !options.contains(where: { equal($0, value) }) {
            problems.append(FieldError(pointer: pointer, "must be one of \(options.map(render).joined(separator: ", "))"))
        }
        if let constant = rules["const"], !equal(constant, value) {
            problems.append(FieldError(pointer: pointer, "must be \(render(constant))"))
        }
        switch value {
        case .object(let members):
            validateObject(members, rules: rules, at: pointer, problems: &problems)
        case .array(let items):
            if case .int(let minimum)? = rules["minItems"], items.count < minimum {
                problems.append(FieldError(pointer: pointer, "must have at least \(minimum) items"))
            }
            if case .int(let maximum)? = rules["maxItems"], items.count > maximum {
                problems.append(FieldError(pointer: pointer, "must have at most \(maximum) items"))
            }
            if let itemSchema = rules["items"] {
                for (index, item) in items.enumerated() { validate(item, against: itemSchema, at: "\(pointer)/\(index)", problems: &problems) }
            }
        case .string(let text):
            validateString(text, rules: rules, at: pointer, problems: &problems)
        case .int, .double:
            validateNumber(number(value) ?? 0, rules: rules, at: pointer, problems: &problems)
        default:
            break
        }
    }

    private static func validateObject(_ members: [String: JSONValue], rules: [String: JSONValue], at pointer: String, problems: inout [FieldError]) {
        if case .array(let required)? = rules["required"] {
            for name in required.compactMap(\.stringValue) where members[name] == nil {
                problems.append(FieldError(pointer: pointer + "/" + escape(name), "is required"))
            }
        }
        var properties: [String: JSONValue] = [:]
        if case .object(let declared)? = rules["properties"] { properties = declared }
        for (name, member) in members.sorted(by: { $0.key < $1.key }) {
            let here = pointer + "/" + escape(name)
            if let propertySchema = properties[name] {
                validate(member, against: propertySchema, at: here, problems: &problems)
            } else if let additional = rules["additionalProperties"] {
                if case .bool(false) = additional {
                    problems.append(FieldError(pointer: here, "is not an allowed property"))
                } else {
                    validate(member, against: additional, at: here, problems: &problems)
                }
            }
        }
    }

    private static func validateString(_ text: String, rules: [String: JSONValue], at pointer: String, problems: inout [FieldError]) {
        if case .int(let minimum)? = rules["minLength"], text.count < minimum {
            problems.append(FieldError(pointer: pointer, "must be at least \(minimum) characters"))
        }
        if case .int(let maximum)? = rules["maxLength"], text.count > maximum {
            problems.append(FieldError(pointer: pointer, "must be at most \(maximum) characters"))
        }
        if let pattern = rules["pattern"]?.stringValue, let expression = try? NSRegularExpression(pattern: pattern) {
            let range = NSRange(text.startIndex..., in: text)
            if expression.firstMatch(in: text, range: range) == nil { problems.append(FieldError(pointer: pointer, "must match \(pattern)")) }
        }
        if let format = rules["format"]?.stringValue, !FormatChecker.matches(text, format: format) {
            problems.append(FieldError(pointer: pointer, "must be a valid \(format)"))
        }
    }

    private static func validateNumber(_ value: Double, rules: [String: JSONValue], at pointer: String, problems: inout [FieldError]) {
        if let minimum = rules["minimum"].flatMap(number), value < minimum {
            problems.append(FieldError(pointer: pointer, "must be at least \(render(rules["minimum"] ?? .null))"))
        }
        if let maximum = rules["maximum"].flatMap(number), value > maximum {
            problems.append(FieldError(pointer: pointer, "must be at most \(render(rules["maximum"] ?? .null))"))
        }
        if let minimum = rules["exclusiveMinimum"].flatMap(number), value <= minimum {
            problems.append(FieldError(pointer: pointer, "must be greater than \(render(rules["exclusiveMinimum"] ?? .null))"))
        }
        if let maximum = rules["exclusiveMaximum"].flatMap(number), value >= maximum {
            problems.append(FieldError(pointer: pointer, "must be less than \(render(rules["exclusiveMaximum"] ?? .null))"))
        }
    }

    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let number): Double(number)
        case .double(let number): number
        default: nil
        }
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null), ("integer", .int),
            ("number", .int), ("number", .double):
            true
        case ("integer", .double(let number)): number.rounded() == number && abs(number) < 9e15
        default: false
        }
    }

    private static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        if let left = number(lhs), let right = number(rhs) { return left == right }
        return lhs == rhs
    }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    static func render(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
    }

    static func escape(_ key: String) -> String { JSONPointer.escape(key) }
}
