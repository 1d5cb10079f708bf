import PatchbayCore

/// Turns each operation of an OpenAPI 3 document (Swagger 2.0 is converted first) into an action.
enum ActionExtractor {
    struct Result {
        var actions: [ActionDefinition]
        var styles: [PaginationHints.OperationStyle]
        /// Schemas that actions still reference (recursive or very large ones), by reference.
        var definitions: [String: JSONValue]
    }

    static func extract(_ document: APIDocument) -> Result {
        let resolver = document.references
        var inliner = SchemaInliner(resolver: resolver)
        var actions: [ActionDefinition] = []
        var styles: [PaginationHints.OperationStyle] = []
        for operation in document.operations {
            let node = operation.node
            let parameters = mergedParameters(operation, resolver: resolver)
            let style = PaginationHints.style(of: operation, in: document, parameters: parameters)
            if let style { styles.append(style) }
            let operationId = node["operationId"]?.string.flatMap { $0.isEmpty ? nil : $0 }
            let summary = node["summary"]?.string
            actions.append(
                ActionDefinition(
                    name: ActionNaming.name(operationId: operationId, summary: summary, method: operation.method, path: operation.path),
                    operationId: operationId,
                    description: node["description"]?.string ?? summary ?? "",
                    method: operation.method.uppercased(),
                    path: operation.path,
                    parameters: parameters.compactMap { parameter(from: $0, inliner: &inliner) },
                    requestBody: requestBody(of: node, resolver: resolver, inliner: &inliner),
                    responseSchema: PaginationHints.successResponse(node, resolver: resolver)
                        .flatMap { PaginationHints.jsonSchema(of: $0, resolver: resolver) }
                        .map { inliner.inline($0) },
                    paginated: style != nil
                )
            )
        }
        let names = ActionNaming.uniqued(actions.map(\.name))
        for index in actions.indices { actions[index].name = names[index] }
        return Result(actions: actions, styles: styles, definitions: inliner.definitions)
    }

    /// Path-level parameters with the operation's own overriding them (same name and location).
    static func mergedParameters(_ operation: APIDocument.Operation, resolver: ReferenceResolver) -> [SourceNode] {
        let own = (operation.node["parameters"]?.items ?? []).map { resolver.resolve($0).node }
        let ownKeys = Set(own.map { key($0) })
        let shared = (operation.pathItem["parameters"]?.items ?? []).map { resolver.resolve($0).node }.filter { !ownKeys.contains(key($0)) }
        return shared + own
    }

    private static func key(_ parameter: SourceNode) -> String {
        (parameter["in"]?.string ?? "") + ":" + (parameter["name"]?.string ?? "")
    }

    private static func parameter(from node: SourceNode, inliner: inout SchemaInliner) -> ActionDefinition.Parameter? {
        guard let name = node["name"]?.string, let location = node["in"]?.string.flatMap(ActionDefinition.Parameter.Location.init(rawValue:)) else {
            return nil
        }
        var schema = node["schema"]
        if schema == nil, let content = node["content"]?.members?.first { schema = content.value["schema"] }
        return ActionDefinition.Parameter(
            name: name,
            location: location,
            required: location == .path || node["required"]?.bool == true,
            description: node["description"]?.string,
            schema: schema.map { inliner.inline($0) },
            style: node["style"]?.string,
            explode: node["explode"]?.bool
        )
    }

    private static func requestBody(of operation: SourceNode, resolver: ReferenceResolver, inliner: inout SchemaInliner) -> ActionDefinition
        .RequestBody?
    {
        guard let raw = operation["requestBody"] else { return nil }
        let body = resolver.resolve(raw).node
        var content: [String: JSONValue] = [:]
        for media in body["content"]?.members ?? [] {
            content[media.key] = media.value["schema"].map { inliner.inline($0) } ?? .object([:])
        }
        return ActionDefinition.RequestBody(required: body["required"]?.bool ?? false, content: content)
    }
}
