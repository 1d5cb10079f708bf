import PatchbayCore

/// A decoding failure as a field problem: the JSON pointer of the culprit and what it must be.
public enum DecodingProblems {
    public static func pointer(_ path: [String]) -> String {
        path.map { "/" + JSONPointer.escape($0) }.joined()
    }

    private static func pointer(_ codingPath: [any CodingKey]) -> [String] {
        codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
    }

    public static func problem(for error: DecodingError) -> PatchbayError {
        switch error {
        case .typeMismatch(let type, let context):
            return .invalid(pointer(pointer(context.codingPath)), "must be \(describe(type))")
        case .valueNotFound(let type, let context):
            return .invalid(pointer(pointer(context.codingPath)), "must be \(describe(type)), not null")
        case .keyNotFound(let key, let context):
            return .invalid(pointer(pointer(context.codingPath) + [key.stringValue]), "is required")
        case .dataCorrupted(let context):
            return .invalid(pointer(pointer(context.codingPath)), context.debugDescription)
        @unknown default:
            return PatchbayError(.malformed, "The body could not be read.")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is String?.Type: "a string"
        case is Bool.Type, is Bool?.Type: "a boolean"
        case is Int.Type, is Int64.Type, is Int?.Type, is Int64?.Type: "an integer"
        case is Double.Type: "a number"
        default:
            "\(type)".hasPrefix("Array") ? "an array" : ("\(type)".hasPrefix("Dictionary") ? "an object" : "a valid value")
        }
    }
}
