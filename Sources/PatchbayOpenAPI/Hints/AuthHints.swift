import PatchbayCore

/// Suggests `api.auth` from the security schemes: the one the document requires globally, else the one most
/// operations require, else the first defined.
enum AuthHints {
    static func suggest(_ document: APIDocument) -> APISettings.Auth {
        let schemes = document.securitySchemes
        guard !schemes.isEmpty else { return APISettings.Auth(type: .none) }
        var counts: [String: Int] = [:]
        for requirement in document.root["security"]?.items ?? [] {
            for member in requirement.members ?? [] { counts[member.key, default: 0] += 1_000_000 }
        }
        for operation in document.operations {
            for requirement in operation.node["security"]?.items ?? [] {
                for member in requirement.members ?? [] { counts[member.key, default: 0] += 1 }
            }
        }
        let ranked = schemes.enumerated().sorted { lhs, rhs in
            let left = counts[lhs.element.key] ?? 0
            let right = counts[rhs.element.key] ?? 0
            return left != right ? left > right : lhs.offset < rhs.offset
        }
        for (_, member) in ranked {
            if let auth = auth(from: document.references.resolve(member.value).node, version: document.version) { return auth }
        }
        return APISettings.Auth(type: .none)
    }

    private static func auth(from scheme: SourceNode, version: APIDocument.Version) -> APISettings.Auth? {
        switch scheme["type"]?.string {
        case "apiKey":
            var auth = APISettings.Auth(type: .apiKey)
            let name = scheme["name"]?.string ?? "Authorization"
            if scheme["in"]?.string == "query" {
                auth.in = "query"
                auth.queryParam = name
            } else {
                auth.in = "header"
                auth.headerName = scheme["in"]?.string == "cookie" ? "Cookie" : name
            }
            return auth
        case "basic":
            return APISettings.Auth(type: .basic)
        case "http":
            switch scheme["scheme"]?.string?.lowercased() {
            case "basic":
                return APISettings.Auth(type: .basic)
            case "bearer":
                var auth = APISettings.Auth(type: .apiKey)
                auth.in = "header"
                auth.headerName = "Authorization"
                auth.preamble = "Bearer"
                return auth
            default:
                return nil
            }
        case "oauth2":
            return oauth2(scheme, version: version)
        default:
            return nil
        }
    }

    private static func oauth2(_ scheme: SourceNode, version: APIDocument.Version) -> APISettings.Auth {
        var auth = APISettings.Auth(type: .oauth2)
        if version.isSwagger {
            let flow = scheme["flow"]?.string
            auth.grantType = flow == "application" ? .clientCredentials : .authorizationCode
            auth.authorizationUrl = scheme["authorizationUrl"]?.string
            auth.tokenUrl = scheme["tokenUrl"]?.string
            auth.scope = scopes(scheme["scopes"])
            return auth
        }
        let flows = scheme["flows"]
        if let code = flows?["authorizationCode"] {
            auth.grantType = .authorizationCode
            auth.authorizationUrl = code["authorizationUrl"]?.string
            auth.tokenUrl = code["tokenUrl"]?.string
            auth.refreshUrl = code["refreshUrl"]?.string
            auth.scope = scopes(code["scopes"])
        } else if let credentials = flows?["clientCredentials"] {
            auth.grantType = .clientCredentials
            auth.tokenUrl = credentials["tokenUrl"]?.string
            auth.refreshUrl = credentials["refreshUrl"]?.string
            auth.scope = scopes(credentials["scopes"])
        } else {
            // Implicit and password flows are not offered for integrations; the authorization URL still helps.
            let flow = flows?.members?.first?.value
            auth.grantType = .authorizationCode
            auth.authorizationUrl = flow?["authorizationUrl"]?.string
            auth.tokenUrl = flow?["tokenUrl"]?.string
            auth.scope = scopes(flow?["scopes"])
        }
        return auth
    }

    private static func scopes(_ node: SourceNode?) -> String? {
        let names = node?.members?.map(\.key) ?? []
        return names.isEmpty ? nil : names.joined(separator: " ")
    }
}

/// The base URL from `servers` (variables filled with their defaults) or Swagger's scheme, host and basePath.
enum BaseURLHints {
    static func suggest(_ document: APIDocument) -> String? {
        let root = document.root
        if document.version.isSwagger {
            guard let host = root["host"]?.string, !host.isEmpty else { return root["basePath"]?.string }
            let schemes = root["schemes"]?.strings ?? []
            let scheme = schemes.contains("https") || schemes.isEmpty ? "https" : schemes[0]
            return "\(scheme)://\(host)\(root["basePath"]?.string ?? "")"
        }
        guard let server = root["servers"]?.items?.first, var url = server["url"]?.string else { return nil }
        for variable in server["variables"]?.members ?? [] {
            let value: String
            switch variable.value["default"]?.value {
            case .string(let text), .number(let text): value = text
            default: continue
            }
            url = url.replacing("{\(variable.key)}", with: value)
        }
        if url.count > 1 && url.hasSuffix("/") { url.removeLast() }
        return url
    }
}
