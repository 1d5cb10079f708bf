/// Makes an example payload that satisfies a schema, for event types registered without one.
public enum ExampleGenerator {
    public static func example(for schema: JSONValue, depth: Int = 0) -> JSONValue {
        guard case .object(let rules) = schema, depth < 16 else { return .object([:]) }
        if let constant = rules["const"] { return constant }
        if case .array(let options)? = rules["enum"], let first = options.first { return first }
        let type: String? =
            switch rules["type"] {
            case .string(let name)?: name
            case .array(let names)?: names.compactMap(\.stringValue).first { $0 != "null" } ?? names.first?.stringValue
            default: rules["properties"] != nil ? "object" : nil
            }
        switch type {
        case "object":
            var members: [String: JSONValue] = [:]
            var required: Set<String> = []
            if case .array(let names)? = rules["required"] { required = Set(names.compactMap(\.stringValue)) }
            if case .object(let properties)? = rules["properties"] {
                for (name, property) in properties {
                    let value = example(for: property, depth: depth + 1)
                    // A constraint the generator cannot satisfy (a pattern, say) drops an optional property rather
                    // than publish an example that fails its own schema.
                    if required.contains(name) || JSONSchema.problems(value, against: property).isEmpty { members[name] = value }
                }
            }
            return .object(members)
        case "array":
            let item = rules["items"].map { example(for: $0, depth: depth + 1) } ?? "item"
            // minItems may be any size a schema names; the example holds one to three items.
            let count: Int = if case .int(let minimum)? = rules["minItems"] { Int(min(max(minimum, 1), 3)) } else { 1 }
            return .array(Array(repeating: item, count: count))
        case "string":
            return .string(exampleString(rules))
        case "integer":
            let number = exampleNumber(rules, integer: true)
            // Bounds such as 1e300 leave no 64-bit integer to offer: the example keeps the number as a double.
            return Int64(checkedTruncating: number).map(JSONValue.int) ?? .double(number)
        case "number":
            return .double(exampleNumber(rules, integer: false))
        case "boolean":
            return .bool(true)
        case "null":
            return .null
        default:
            return .object([:])
        }
    }

    static let maximumExampleLength: Int64 = 4096

    private static func exampleString(_ rules: [String: JSONValue]) -> String {
        var text: String =
            switch rules["format"]?.stringValue {
            case "date-time": "2026-01-01T12:00:00.000Z"
            case "date": "2026-01-01"
            case "email": "user@example.com"
            case "uri": "https://example.com/resource"
            case "uuid": "3f2a1c9e-7b5d-4e8f-9a01-2b3c4d5e6f70"
            case "ipv4": "192.0.2.1"
            case "ipv6": "2001:db8::1"
            case "hostname": "example.com"
            default: "string"
            }
        if case .int(let minimum)? = rules["minLength"], text.count < minimum {
            // Capped: a minLength of 2^62 must not allocate the example.
            text += String(repeating: "x", count: Int(min(minimum, maximumExampleLength)) - text.count)
        }
        if case .int(let maximum)? = rules["maxLength"], text.count > maximum { text = String(text.prefix(Int(maximum))) }
        return text
    }

    private static func exampleNumber(_ rules: [String: JSONValue], integer: Bool) -> Double {
        var value: Double = 1
        if let minimum = rules["minimum"].flatMap(JSONSchema.number), value < minimum { value = integer ? minimum.rounded(.up) : minimum }
        if let minimum = rules["exclusiveMinimum"].flatMap(JSONSchema.number), value <= minimum {
            value = integer ? minimum.rounded(.down) + 1 : minimum + 1
        }
        if let maximum = rules["maximum"].flatMap(JSONSchema.number), value > maximum { value = integer ? maximum.rounded(.down) : maximum }
        if let maximum = rules["exclusiveMaximum"].flatMap(JSONSchema.number), value >= maximum {
            value = integer ? maximum.rounded(.up) - 1 : maximum - 0.5
        }
        return value
    }
}
