import PatchbayCore

/// An API description that is recognisably Swagger 2.0 or OpenAPI 3.x, however sloppy otherwise.
public struct APIDocument: Sendable {
    public enum Version: Sendable, Equatable {
        case swagger2
        case openAPI30
        case openAPI31
        case openAPI32

        public var isSwagger: Bool { self == .swagger2 }
        /// 3.1 and later follow JSON Schema 2020-12: `$ref` may have siblings, `type` may be a list.
        public var allowsReferenceSiblings: Bool { self == .openAPI31 || self == .openAPI32 }
    }

    public struct NotAnAPIDescription: Error, Sendable, Equatable {
        public var message: String
        public var pointer: String
        public var position: SourcePosition
    }

    public static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace", "query"]

    public let root: SourceNode
    public let version: Version
    /// The version as written (`2.0`, `3.0.3`, `3.1.0`).
    public let versionText: String
    public let references: ReferenceResolver
    /// Every operation in `paths` order (path items behind a `$ref` are followed); found once, as every rule asks.
    public let operations: [Operation]

    /// "Swagger 2.0", "OpenAPI 3.1.0".
    public var displayName: String { version.isSwagger ? "Swagger 2.0" : "OpenAPI \(versionText)" }

    public init(root: SourceNode) throws(NotAnAPIDescription) {
        guard root.isObject else {
            throw NotAnAPIDescription(
                message: "the document is a \(root.typeName), not an OpenAPI or Swagger object", pointer: "", position: root.position)
        }
        if let swagger = root["swagger"] {
            let text = Self.versionText(swagger)
            guard text == "2.0" || text == "2" else {
                throw NotAnAPIDescription(
                    message: "swagger \"\(text)\" is not supported; only Swagger 2.0 is", pointer: "/swagger", position: swagger.position)
            }
            version = .swagger2
            versionText = "2.0"
        } else if let openapi = root["openapi"] {
            let text = Self.versionText(openapi)
            switch text.split(separator: ".").prefix(2).joined(separator: ".") {
            case "3.0": version = .openAPI30
            case "3.1": version = .openAPI31
            case "3.2": version = .openAPI32
            default:
                throw NotAnAPIDescription(
                    message: "openapi \"\(text)\" is not supported; 3.0, 3.1 and 3.2 are", pointer: "/openapi", position: openapi.position)
            }
            versionText = text
        } else {
            throw NotAnAPIDescription(
                message: "neither `openapi` nor `swagger` is set: this is not an OpenAPI or Swagger document", pointer: "", position: root.position)
        }
        self.root = root
        self.references = ReferenceResolver(root: root)
        self.operations = Self.operations(in: root, references: references)
    }

    /// YAML writes `3.0` as a number; either way the text is what counts.
    private static func versionText(_ node: SourceNode) -> String {
        switch node.value {
        case .string(let text), .number(let text): text
        default: node.typeName
        }
    }

    /// One operation, with where it is.
    public struct Operation: Sendable {
        public var path: String
        public var method: String
        public var pointer: String
        public var node: SourceNode
        public var pathItem: SourceNode
        public var pathPointer: String
    }

    private static func operations(in root: SourceNode, references: ReferenceResolver) -> [Operation] {
        guard let paths = root["paths"]?.members else { return [] }
        var operations: [Operation] = []
        for member in paths where member.value.isObject {
            let pathPointer = JSONPointer.appending(member.key, to: "/paths")
            let pathItem = references.resolve(member.value).node
            for item in pathItem.members ?? [] where Self.methods.contains(item.key) && item.value.isObject {
                operations.append(
                    Operation(
                        path: member.key,
                        method: item.key,
                        pointer: JSONPointer.appending(item.key, to: pathPointer),
                        node: item.value,
                        pathItem: pathItem,
                        pathPointer: pathPointer
                    )
                )
            }
        }
        return operations
    }

    /// Where reusable security schemes live in this version.
    public var securitySchemes: [SourceNode.Member] {
        (version.isSwagger ? root["securityDefinitions"] : root["components"]?["securitySchemes"])?.members ?? []
    }

    public var securitySchemesPointer: String {
        version.isSwagger ? "/securityDefinitions" : "/components/securitySchemes"
    }
}
