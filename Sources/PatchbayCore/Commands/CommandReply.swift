/// What an integration answers a command with, at once or later at the response URL:
/// `{text?, blocks?, responseType?: "ephemeral" | "in_channel"}`.
public struct CommandReply: Sendable, Equatable, Encodable {
    public enum ResponseType: String, Sendable, Codable {
        case ephemeral
        case inChannel = "in_channel"
    }

    public static let maxTextCharacters = 40_000
    public static let maxBlocks = 100

    public var text: String?
    public var blocks: [JSONValue]?
    public var responseType: ResponseType

    public init(text: String?, blocks: [JSONValue]?, responseType: ResponseType) {
        self.text = text
        self.blocks = blocks
        self.responseType = responseType
    }

    /// Reads a reply object; the problems name the field (`/text`, `/blocks`, `/responseType`, or `""` for the whole).
    public static func parse(_ value: JSONValue) -> Result<CommandReply, PatchbayError> {
        guard case .object(let members) = value else { return .failure(.invalid("", "must be a JSON object {text?, blocks?, responseType?}")) }
        var errors: [FieldError] = []
        for key in members.keys.sorted() where !["text", "blocks", "responseType"].contains(key) {
            errors.append(FieldError(pointer: "/" + JSONPointer.escape(key), "is not a reply field (text, blocks, responseType)"))
        }
        var text: String?
        switch members["text"] {
        case nil, .null?: break
        case .string(let value)?:
            if value.count > maxTextCharacters { errors.append(FieldError(pointer: "/text", "must be at most \(maxTextCharacters) characters")) }
            text = value
        default: errors.append(FieldError(pointer: "/text", "must be a string"))
        }
        var blocks: [JSONValue]?
        switch members["blocks"] {
        case nil, .null?: break
        case .array(let items)?:
            if items.count > maxBlocks { errors.append(FieldError(pointer: "/blocks", "must hold at most \(maxBlocks) blocks")) }
            for (index, item) in items.enumerated() {
                if case .object = item { continue }
                errors.append(FieldError(pointer: "/blocks/\(index)", "must be an object"))
            }
            blocks = items
        default: errors.append(FieldError(pointer: "/blocks", "must be an array of objects"))
        }
        var responseType = ResponseType.ephemeral
        switch members["responseType"] {
        case nil, .null?: break
        case .string(let value)?:
            if let parsed = ResponseType(rawValue: value) {
                responseType = parsed
            } else {
                errors.append(FieldError(pointer: "/responseType", "must be ephemeral or in_channel"))
            }
        default: errors.append(FieldError(pointer: "/responseType", "must be ephemeral or in_channel"))
        }
        if errors.isEmpty, text == nil, blocks == nil {
            errors.append(FieldError(pointer: "", "must have text or blocks"))
        }
        guard errors.isEmpty else { return .failure(.validation(errors)) }
        return .success(CommandReply(text: text, blocks: blocks, responseType: responseType))
    }
}
