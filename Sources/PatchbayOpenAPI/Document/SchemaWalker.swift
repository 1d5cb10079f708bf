/// Visits every schema written in a document (not through references: each is visited where it is written),
/// with its pointer built only when asked for.
public struct SchemaWalker {
    public struct Visit {
        public let node: SourceNode
        let path: [String]
        /// Swagger 2.0 non-body parameters and headers are schema-like objects themselves.
        public let isParameterLike: Bool

        public var pointer: String { ReferenceResolver.pointer(path) }
    }

    private let document: APIDocument
    private let visitor: (Visit) -> Void
    private var path: [String] = []

    public static func walk(_ document: APIDocument, _ visitor: (Visit) -> Void) {
        withoutActuallyEscaping(visitor) { visitor in
            var walker = SchemaWalker(document: document, visitor: visitor)
            walker.walkDocument()
        }
    }

    private init(document: APIDocument, visitor: @escaping (Visit) -> Void) {
        self.document = document
        self.visitor = visitor
    }

    private mutating func walkDocument() {
        let root = document.root
        if document.version.isSwagger {
            within("definitions") { $0.eachMember(of: root["definitions"]) { $0.schema($1) } }
            within("parameters") { $0.eachMember(of: root["parameters"]) { $0.parameter($1) } }
            within("responses") { $0.eachMember(of: root["responses"]) { $0.response($1) } }
        } else if let components = root["components"] {
            within("components") { walker in
                walker.within("schemas") { $0.eachMember(of: components["schemas"]) { $0.schema($1) } }
                walker.within("parameters") { $0.eachMember(of: components["parameters"]) { $0.parameter($1) } }
                walker.within("headers") { $0.eachMember(of: components["headers"]) { $0.parameter($1) } }
                walker.within("requestBodies") { $0.eachMember(of: components["requestBodies"]) { $0.content(of: $1) } }
                walker.within("responses") { $0.eachMember(of: components["responses"]) { $0.response($1) } }
            }
        }
        within("paths") { $0.eachMember(of: root["paths"]) { $0.pathItem($1) } }
        within("webhooks") { $0.eachMember(of: root["webhooks"]) { $0.pathItem($1) } }
    }

    private mutating func within(_ token: String, _ body: (inout SchemaWalker) -> Void) {
        path.append(token)
        body(&self)
        path.removeLast()
    }

    private mutating func eachMember(of node: SourceNode?, _ body: (inout SchemaWalker, SourceNode) -> Void) {
        for member in node?.members ?? [] {
            path.append(member.key)
            body(&self, member.value)
            path.removeLast()
        }
    }

    private mutating func eachItem(of node: SourceNode?, _ body: (inout SchemaWalker, SourceNode) -> Void) {
        for (index, item) in (node?.items ?? []).enumerated() {
            path.append(String(index))
            body(&self, item)
            path.removeLast()
        }
    }

    private mutating func pathItem(_ item: SourceNode) {
        within("parameters") { $0.eachItem(of: item["parameters"]) { $0.parameter($1) } }
        for member in item.members ?? [] where APIDocument.methods.contains(member.key) {
            let operation = member.value
            within(member.key) { walker in
                walker.within("parameters") { $0.eachItem(of: operation["parameters"]) { $0.parameter($1) } }
                walker.within("requestBody") { $0.content(of: operation["requestBody"]) }
                walker.within("responses") { $0.eachMember(of: operation["responses"]) { $0.response($1) } }
            }
        }
    }

    private mutating func parameter(_ parameter: SourceNode) {
        guard parameter.isObject, parameter["$ref"] == nil else { return }
        if let schema = parameter["schema"] {
            within("schema") { $0.schema(schema) }
        } else if parameter["content"] != nil {
            content(of: parameter)
        } else if document.version.isSwagger {
            visitor(Visit(node: parameter, path: path, isParameterLike: true))
            if let items = parameter["items"] { within("items") { $0.schema(items) } }
        }
    }

    private mutating func response(_ response: SourceNode) {
        guard response.isObject, response["$ref"] == nil else { return }
        if let schema = response["schema"] { within("schema") { $0.schema(schema) } }
        content(of: response)
        within("headers") { $0.eachMember(of: response["headers"]) { $0.parameter($1) } }
    }

    private mutating func content(of holder: SourceNode?) {
        guard let content = holder?["content"] else { return }
        within("content") { walker in
            walker.eachMember(of: content) { walker, media in
                if let schema = media["schema"] { walker.within("schema") { $0.schema(schema) } }
            }
        }
    }

    private static let schemaMaps = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"]
    private static let schemaLists = ["allOf", "anyOf", "oneOf", "prefixItems"]
    private static let schemaSingles = [
        "not", "additionalProperties", "contains", "if", "then", "else", "propertyNames", "unevaluatedProperties", "unevaluatedItems",
        "additionalItems",
    ]

    private mutating func schema(_ schema: SourceNode) {
        guard let members = schema.members else { return }
        if schema["$ref"] == nil || document.version.allowsReferenceSiblings {
            visitor(Visit(node: schema, path: path, isParameterLike: false))
        }
        for member in members {
            let key = member.key
            if Self.schemaMaps.contains(key) {
                within(key) { $0.eachMember(of: member.value) { $0.schema($1) } }
            } else if Self.schemaLists.contains(key) {
                within(key) { $0.eachItem(of: member.value) { $0.schema($1) } }
            } else if key == "items" {
                // Tuple `items` (a list) is 2019-09 and earlier; walk it either way.
                if member.value.items != nil {
                    within(key) { $0.eachItem(of: member.value) { $0.schema($1) } }
                } else {
                    within(key) { $0.schema(member.value) }
                }
            } else if Self.schemaSingles.contains(key), member.value.isObject {
                within(key) { $0.schema(member.value) }
            }
        }
    }
}
