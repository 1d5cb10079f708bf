import PatchbayCore

/// Swagger 2.0 → OpenAPI 3.0.3, following swagger2openapi's rules. Converted nodes keep the positions they
/// came from, so anything found later in the converted document still names a line of the original.
public struct SwaggerConverter {
    public static let targetVersion = "3.0.3"

    public static func convert(_ document: APIDocument) -> SourceNode {
        guard document.version.isSwagger else { return document.root }
        return SwaggerConverter(document: document).convertDocument()
    }

    private let document: APIDocument
    private let root: SourceNode
    private let globalConsumes: [String]
    private let globalProduces: [String]
    /// `#/parameters` entries that are bodies (they become `#/components/requestBodies`) or form fields
    /// (they are written into each operation's form body).
    private let bodyParameters: Set<String>
    private let formParameters: Set<String>

    private init(document: APIDocument) {
        self.document = document
        self.root = document.root
        self.globalConsumes = root["consumes"]?.strings ?? []
        self.globalProduces = root["produces"]?.strings ?? []
        var body: Set<String> = []
        var form: Set<String> = []
        for member in root["parameters"]?.members ?? [] {
            switch member.value["in"]?.string {
            case "body": body.insert(member.key)
            case "formData": form.insert(member.key)
            default: break
            }
        }
        self.bodyParameters = body
        self.formParameters = form
    }

    private func convertDocument() -> SourceNode {
        let at = root.position
        var members: [(String, SourceNode)] = [("openapi", .string(Self.targetVersion, at: root["swagger"]?.position ?? at))]
        if let info = root["info"] { members.append(("info", info)) }
        if let docs = root["externalDocs"] { members.append(("externalDocs", docs)) }
        let servers = servers(schemes: root["schemes"]?.strings ?? [], at: root["host"]?.position ?? at)
        if !servers.isEmpty { members.append(("servers", SourceNode(.array(servers), at: root["host"]?.position ?? at))) }
        if let tags = root["tags"] { members.append(("tags", tags)) }
        if let paths = root["paths"] { members.append(("paths", convertPaths(paths))) }
        let components = convertComponents()
        if !(components.members ?? []).isEmpty { members.append(("components", components)) }
        if let security = root["security"] { members.append(("security", security)) }
        for member in root.members ?? [] where member.key.hasPrefix("x-") { members.append((member.key, member.value)) }
        return .object(members, at: at)
    }

    // MARK: - Servers

    private func servers(schemes: [String], at position: SourcePosition) -> [SourceNode] {
        let host = root["host"]?.string
        let basePath = root["basePath"]?.string ?? ""
        guard let host, !host.isEmpty else {
            return basePath.isEmpty ? [] : [.object([("url", .string(basePath, at: position))], at: position)]
        }
        let chosen = schemes.isEmpty ? ["https"] : schemes
        return chosen.map { scheme in
            .object([("url", .string("\(scheme)://\(host)\(basePath)", at: position))], at: position)
        }
    }

    // MARK: - References

    private func rewrite(reference: String) -> String {
        let parts = reference.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return reference }
        let file = String(parts[0])
        let fragment = String(parts[1])
        func replacing(_ prefix: String, with replacement: String) -> String? {
            guard fragment.hasPrefix(prefix) else { return nil }
            return file + "#" + replacement + fragment.dropFirst(prefix.count)
        }
        if let rewritten = replacing("/definitions/", with: "/components/schemas/") { return rewritten }
        if fragment.hasPrefix("/parameters/") {
            let name = JSONPointer.unescape(String(fragment.dropFirst("/parameters/".count)))
            if file.isEmpty && bodyParameters.contains(name) { return "#/components/requestBodies/" + JSONPointer.escape(name) }
            return replacing("/parameters/", with: "/components/parameters/") ?? reference
        }
        if let rewritten = replacing("/responses/", with: "/components/responses/") { return rewritten }
        if let rewritten = replacing("/securityDefinitions/", with: "/components/securitySchemes/") { return rewritten }
        return reference
    }

    private func referenceNode(_ node: SourceNode) -> SourceNode? {
        guard let reference = node["$ref"] else { return nil }
        guard let text = reference.string else { return node }
        return node.setting("$ref", to: .string(rewrite(reference: text), at: reference.position))
    }

    // MARK: - Schemas

    private static let schemaMapKeys: Set<String> = ["properties", "patternProperties"]
    private static let schemaListKeys: Set<String> = ["allOf", "anyOf", "oneOf"]
    private static let schemaSingleKeys: Set<String> = ["not", "additionalProperties", "items"]

    /// A Swagger schema as an OpenAPI 3.0 schema: references rewritten, `x-nullable` → `nullable`,
    /// `type: file` → binary string, a string `discriminator` → `{propertyName}`.
    func schema(_ node: SourceNode) -> SourceNode {
        if let reference = referenceNode(node) { return reference }
        guard let members = node.members else { return node }
        var converted: [SourceNode.Member] = []
        for member in members {
            var member = member
            switch member.key {
            case "x-nullable":
                member.key = "nullable"
            case "type" where member.value.string == "file":
                member.value = .string("string", at: member.value.position)
                converted.append(member)
                member = SourceNode.Member(key: "format", keyPosition: member.keyPosition, value: .string("binary", at: member.value.position))
            case "format" where node["type"]?.string == "file":
                continue
            case "discriminator":
                if let name = member.value.string {
                    member.value = .object([("propertyName", .string(name, at: member.value.position))], at: member.value.position)
                }
            case let key where Self.schemaMapKeys.contains(key):
                if let properties = member.value.members {
                    member.value = SourceNode(
                        .object(
                            properties.map { property in
                                var property = property
                                property.value = schema(property.value)
                                return property
                            }), at: member.value.position)
                }
            case let key where Self.schemaListKeys.contains(key):
                if let items = member.value.items { member.value = SourceNode(.array(items.map(schema)), at: member.value.position) }
            case let key where Self.schemaSingleKeys.contains(key):
                if member.value.isObject {
                    member.value = schema(member.value)
                } else if key == "items", let items = member.value.items {
                    // Tuple `items` is not Swagger 2.0, but real documents have it; convert each part.
                    member.value = SourceNode(.array(items.map(schema)), at: member.value.position)
                }
            default:
                break
            }
            converted.append(member)
        }
        return SourceNode(.object(converted), at: node.position)
    }

    // MARK: - Parameters

    private static let schemaFieldsOfParameters: Set<String> = [
        "type", "format", "items", "enum", "default", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems", "multipleOf", "x-nullable",
    ]

    /// A non-body parameter's (or header's, or form field's) type fields as a schema.
    private func parameterSchema(_ parameter: SourceNode) -> SourceNode {
        var members: [(String, SourceNode)] = []
        for member in parameter.members ?? [] where Self.schemaFieldsOfParameters.contains(member.key) {
            if member.key == "items" {
                members.append(("items", parameterSchema(member.value)))
            } else {
                members.append((member.key, member.value))
            }
        }
        return schema(.object(members, at: parameter.position))
    }

    private func parameter(_ node: SourceNode) -> SourceNode {
        if let reference = referenceNode(node) { return reference }
        let location = node["in"]?.string ?? "query"
        var members: [(String, SourceNode)] = []
        for key in ["name", "in", "description", "required", "deprecated", "allowEmptyValue"] {
            if let value = node[key] { members.append((key, value)) }
        }
        if let format = node["collectionFormat"]?.string, node["type"]?.string == "array" {
            let at = node["collectionFormat"]!.position
            switch format {
            case "csv":
                if location == "query" || location == "cookie" {
                    members.append(("style", .string("form", at: at)))
                    members.append(("explode", SourceNode(.bool(false), at: at)))
                } else {
                    members.append(("style", .string("simple", at: at)))
                }
            case "ssv":
                members.append(("style", .string("spaceDelimited", at: at)))
                members.append(("explode", SourceNode(.bool(false), at: at)))
            case "pipes":
                members.append(("style", .string("pipeDelimited", at: at)))
                members.append(("explode", SourceNode(.bool(false), at: at)))
            case "multi":
                members.append(("style", .string("form", at: at)))
                members.append(("explode", SourceNode(.bool(true), at: at)))
            default:
                members.append(("x-collectionFormat", .string(format, at: at)))
            }
        } else if node["type"]?.string == "array", location == "query" {
            // csv is Swagger's default; OpenAPI 3's default for query arrays is exploded.
            members.append(("style", .string("form", at: node.position)))
            members.append(("explode", SourceNode(.bool(false), at: node.position)))
        }
        members.append(("schema", parameterSchema(node)))
        if let example = node["x-example"] ?? node["example"] { members.append(("example", example)) }
        for member in node.members ?? [] where member.key.hasPrefix("x-") && member.key != "x-example" && member.key != "x-nullable" {
            members.append((member.key, member.value))
        }
        return .object(members, at: node.position)
    }

    /// A body parameter as a request body, one media type per `consumes` entry.
    private func requestBody(fromBody body: SourceNode, consumes: [String]) -> SourceNode {
        let at = body.position
        let schemaNode = body["schema"].map(schema) ?? .object([], at: at)
        let types = consumes.filter { !$0.contains("form-data") && !$0.contains("x-www-form-urlencoded") }
        let content = (types.isEmpty ? ["application/json"] : types).map { ($0, SourceNode.object([("schema", schemaNode)], at: at)) }
        var members: [(String, SourceNode)] = []
        if let description = body["description"] { members.append(("description", description)) }
        members.append(("content", .object(content, at: at)))
        if let required = body["required"] { members.append(("required", required)) }
        for member in body.members ?? [] where member.key.hasPrefix("x-") { members.append((member.key, member.value)) }
        return .object(members, at: at)
    }

    /// Form fields as one request body: multipart when asked for or when a file is sent, urlencoded otherwise.
    private func requestBody(fromForm fields: [SourceNode], consumes: [String], at: SourcePosition) -> SourceNode {
        let hasFile = fields.contains { $0["type"]?.string == "file" }
        var types = consumes.filter { $0.hasPrefix("multipart/") || $0 == "application/x-www-form-urlencoded" }
        if hasFile { types = types.filter { $0.hasPrefix("multipart/") } }
        if types.isEmpty { types = [hasFile ? "multipart/form-data" : "application/x-www-form-urlencoded"] }
        var properties: [(String, SourceNode)] = []
        var required: [SourceNode] = []
        for field in fields {
            guard let name = field["name"]?.string else { continue }
            var property = parameterSchema(field)
            if let description = field["description"] { property = property.setting("description", to: description) }
            properties.append((name, property))
            if field["required"]?.bool == true { required.append(.string(name, at: field.position)) }
        }
        var schemaMembers: [(String, SourceNode)] = [("type", .string("object", at: at)), ("properties", .object(properties, at: at))]
        if !required.isEmpty { schemaMembers.append(("required", SourceNode(.array(required), at: at))) }
        let schemaNode = SourceNode.object(schemaMembers, at: at)
        let content = types.map { ($0, SourceNode.object([("schema", schemaNode)], at: at)) }
        var members: [(String, SourceNode)] = [("content", .object(content, at: at))]
        if !required.isEmpty { members.append(("required", SourceNode(.bool(true), at: at))) }
        return .object(members, at: at)
    }

    // MARK: - Responses

    private func response(_ node: SourceNode, produces: [String]) -> SourceNode {
        if let reference = referenceNode(node) { return reference }
        let at = node.position
        var members: [(String, SourceNode)] = [("description", node["description"] ?? .string("", at: at))]
        if let headers = node["headers"]?.members {
            let converted = headers.map { header -> (String, SourceNode) in
                var fields: [(String, SourceNode)] = []
                if let description = header.value["description"] { fields.append(("description", description)) }
                fields.append(("schema", parameterSchema(header.value)))
                return (header.key, .object(fields, at: header.value.position))
            }
            members.append(("headers", .object(converted, at: node["headers"]!.position)))
        }
        let examples = node["examples"]?.members ?? []
        if let schemaNode = node["schema"] {
            let converted = schema(schemaNode)
            let types = produces.isEmpty ? ["application/json"] : produces
            let content = types.map { type -> (String, SourceNode) in
                var media: [(String, SourceNode)] = [("schema", converted)]
                if let example = examples.first(where: { $0.key == type }) { media.append(("example", example.value)) }
                return (type, .object(media, at: schemaNode.position))
            }
            members.append(("content", .object(content, at: schemaNode.position)))
        } else if !examples.isEmpty {
            members.append(("content", .object(examples.map { ($0.key, .object([("example", $0.value)], at: $0.value.position)) }, at: at)))
        }
        for member in node.members ?? [] where member.key.hasPrefix("x-") { members.append((member.key, member.value)) }
        return .object(members, at: at)
    }

    // MARK: - Paths and operations

    private func convertPaths(_ paths: SourceNode) -> SourceNode {
        guard let members = paths.members else { return paths }
        return SourceNode(
            .object(
                members.map { member in
                    var member = member
                    member.value = pathItem(member.value)
                    return member
                }), at: paths.position)
    }

    private func resolvedParameter(_ node: SourceNode) -> SourceNode {
        document.references.resolve(node).node
    }

    private func isBodyOrForm(_ node: SourceNode) -> Bool {
        let location = resolvedParameter(node)["in"]?.string
        return location == "body" || location == "formData"
    }

    private func pathItem(_ item: SourceNode) -> SourceNode {
        if let reference = referenceNode(item) { return reference }
        guard let members = item.members else { return item }
        let shared = item["parameters"]?.items ?? []
        var converted: [SourceNode.Member] = []
        for member in members {
            var member = member
            if APIDocument.methods.contains(member.key), member.value.isObject {
                member.value = operation(member.value, sharedParameters: shared)
            } else if member.key == "parameters" {
                let kept = shared.filter { !isBodyOrForm($0) }.map(parameter)
                if kept.isEmpty { continue }
                member.value = SourceNode(.array(kept), at: member.value.position)
            }
            converted.append(member)
        }
        return SourceNode(.object(converted), at: item.position)
    }

    private func operation(_ node: SourceNode, sharedParameters: [SourceNode]) -> SourceNode {
        let at = node.position
        let consumes = node["consumes"]?.strings ?? globalConsumes
        let produces = node["produces"]?.strings ?? globalProduces
        let own = node["parameters"]?.items ?? []
        func identity(_ parameter: SourceNode) -> String {
            let resolved = resolvedParameter(parameter)
            return (resolved["in"]?.string ?? "") + ":" + (resolved["name"]?.string ?? "")
        }
        let ownIdentities = Set(own.map(identity))
        // Path-level bodies and form fields apply to each operation unless it overrides them.
        let inherited = sharedParameters.filter { isBodyOrForm($0) && !ownIdentities.contains(identity($0)) }

        var parameters: [SourceNode] = []
        var body: SourceNode?
        var formFields: [SourceNode] = []
        for raw in inherited + own {
            let resolved = resolvedParameter(raw)
            switch resolved["in"]?.string {
            case "body":
                if let reference = raw["$ref"]?.string, ReferenceResolver.kind(of: reference) == .local {
                    body = .object([("$ref", .string(rewrite(reference: reference), at: raw.position))], at: raw.position)
                } else {
                    body = requestBody(fromBody: resolved, consumes: consumes)
                }
            case "formData":
                formFields.append(resolved)
            default:
                parameters.append(parameter(raw))
            }
        }

        var members: [(String, SourceNode)] = []
        for member in node.members ?? [] {
            switch member.key {
            case "consumes", "produces", "schemes":
                continue
            case "parameters":
                if !parameters.isEmpty { members.append(("parameters", SourceNode(.array(parameters), at: member.value.position))) }
                if let body { members.append(("requestBody", body)) }
                if !formFields.isEmpty {
                    members.append(("requestBody", requestBody(fromForm: formFields, consumes: consumes, at: member.value.position)))
                }
            case "responses":
                guard let responses = member.value.members else {
                    members.append((member.key, member.value))
                    continue
                }
                let converted = responses.map { ($0.key, response($0.value, produces: produces)) }
                members.append(("responses", .object(converted, at: member.value.position)))
            default:
                members.append((member.key, member.value))
            }
        }
        if node["parameters"] == nil {
            if let body { members.append(("requestBody", body)) }
            if !formFields.isEmpty { members.append(("requestBody", requestBody(fromForm: formFields, consumes: consumes, at: at))) }
        }
        if let schemes = node["schemes"]?.strings, !schemes.isEmpty, Set(schemes) != Set(root["schemes"]?.strings ?? ["https"]) {
            let servers = servers(schemes: schemes, at: node["schemes"]!.position)
            if !servers.isEmpty { members.append(("servers", SourceNode(.array(servers), at: node["schemes"]!.position))) }
        }
        return .object(members, at: at)
    }

    // MARK: - Components

    private func convertComponents() -> SourceNode {
        let at = root.position
        var members: [(String, SourceNode)] = []
        if let definitions = root["definitions"], let entries = definitions.members {
            members.append(("schemas", .object(entries.map { ($0.key, schema($0.value)) }, at: definitions.position)))
        }
        if let parameters = root["parameters"], let entries = parameters.members {
            let plain = entries.filter { !bodyParameters.contains($0.key) && !formParameters.contains($0.key) }
            if !plain.isEmpty { members.append(("parameters", .object(plain.map { ($0.key, parameter($0.value)) }, at: parameters.position))) }
            let bodies = entries.filter { bodyParameters.contains($0.key) }
            if !bodies.isEmpty {
                members.append(
                    (
                        "requestBodies",
                        .object(bodies.map { ($0.key, requestBody(fromBody: $0.value, consumes: globalConsumes)) }, at: parameters.position)
                    ))
            }
        }
        if let responses = root["responses"], let entries = responses.members {
            members.append(("responses", .object(entries.map { ($0.key, response($0.value, produces: globalProduces)) }, at: responses.position)))
        }
        if let definitions = root["securityDefinitions"], let entries = definitions.members {
            members.append(("securitySchemes", .object(entries.map { ($0.key, securityScheme($0.value)) }, at: definitions.position)))
        }
        return .object(members, at: at)
    }

    private static let flowNames = [
        "implicit": "implicit", "password": "password", "application": "clientCredentials", "accessCode": "authorizationCode",
    ]

    private func securityScheme(_ node: SourceNode) -> SourceNode {
        let at = node.position
        var members: [(String, SourceNode)] = []
        switch node["type"]?.string {
        case "basic":
            members = [("type", .string("http", at: at)), ("scheme", .string("basic", at: at))]
        case "oauth2":
            members = [("type", .string("oauth2", at: at))]
            let flow = node["flow"]?.string ?? "implicit"
            var fields: [(String, SourceNode)] = []
            if let url = node["authorizationUrl"], flow == "implicit" || flow == "accessCode" { fields.append(("authorizationUrl", url)) }
            if let url = node["tokenUrl"], flow != "implicit" { fields.append(("tokenUrl", url)) }
            fields.append(("scopes", node["scopes"] ?? .object([], at: at)))
            let name = Self.flowNames[flow] ?? flow
            members.append(("flows", .object([(name, .object(fields, at: at))], at: node["flow"]?.position ?? at)))
        default:
            for key in ["type", "name", "in"] {
                if let value = node[key] { members.append((key, value)) }
            }
        }
        if let description = node["description"] { members.append(("description", description)) }
        for member in node.members ?? [] where member.key.hasPrefix("x-") { members.append((member.key, member.value)) }
        return .object(members, at: at)
    }
}
