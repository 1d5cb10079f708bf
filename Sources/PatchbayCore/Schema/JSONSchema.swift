import Foundation

/// The JSON Schema subset Patchbay validates event data with: `type` (one or several), `properties`,
/// `required`, `additionalProperties`, `enum`, `const`, `items`, `format`, `minimum`/`maximum`
/// (and their exclusive forms), `minLength`/`maxLength`, `pattern`, `minItems`/`maxItems`.
/// Annotations (`title`, `description`, `examples`, `default`, `$schema`, `$id`) are accepted and ignored.
/// Anything else is refused when the schema is registered, so a schema never silently checks less than it says.
public struct JSONSchema: Sendable, Equatable {
    public let document: JSONValue
    /// Compiled once, patterns included, so each value is validated without re-reading the schema.
    let compiled: CompiledSchema

    public static func == (lhs: JSONSchema, rhs: JSONSchema) -> Bool { lhs.document == rhs.document }

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
        self.compiled = CompiledSchema(document)
    }

    /// Validates `value`; the problems carry pointers below `base` (e.g. `/data/title`).
    public func validate(_ value: JSONValue, at base: String = "/data") -> [FieldError] {
        compiled.problems(value, at: base)
    }

    /// Problems of `value` against a raw schema document (pointers relative to the value).
    static func problems(_ value: JSONValue, against schema: JSONValue, at base: String = "") -> [FieldError] {
        CompiledSchema(schema).problems(value, at: base)
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
                guard let pattern = value.stringValue, pattern.count <= Pattern.maximumSourceLength else {
                    problems.append(FieldError(pointer: here, "must be a regular expression of at most \(Pattern.maximumSourceLength) characters"))
                    continue
                }
                do {
                    _ = try PatternCache.pattern(pattern)
                } catch {
                    problems.append(FieldError(pointer: here, "must be a regular expression this server can run in bounded time: \(error)"))
                }
            default:
                break
            }
        }
    }

    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let number): Double(number)
        case .double(let number): number
        default: nil
        }
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
