import Foundation

/// Checks on an integration's `api` settings, free of I/O: which fields exist, which each auth and pagination type
/// needs, and the ranges the contract gives. Returns every problem at once, with pointers below `base`.
public enum APISettingsRules {
    static let settingsKeys: Set<String> = ["baseUrl", "auth", "pagination"]
    static let authKeys: Set<String> = [
        "type", "headerName", "preamble", "in", "queryParam", "extraHeaders", "grantType", "authorizationUrl", "tokenUrl", "refreshUrl",
        "scope", "accessTokenScheme", "tokenKey", "expiresKey", "refreshTokenKey", "tokenRequestContentType", "tokenRequestMethod",
        "basicAuthOnExchange", "includeClientConfigOnRefresh", "includeRedirectUriOnRefresh", "refreshStrategy", "refreshBufferSeconds",
        "refreshIntervalSeconds", "extraAuthorizationParams",
    ]
    static let paginationKeys: Set<String> = [
        "type", "resultsKey", "pageSizeParam", "defaultPageSize", "pageLimit", "indexParam", "pageParam", "linkLocation", "headerName",
        "headerRel", "nextPageKey", "afterParam", "pointerPath",
    ]
    /// Extra authorization parameters may not replace the ones the flow owns.
    static let reservedAuthorizationParams: Set<String> = [
        "response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method",
    ]

    /// Fields the `api` object does not have, as problems (unknown fields are refused, not ignored).
    public static func unknownFields(_ value: JSONValue, at base: String = "/api") -> [FieldError] {
        guard case .object(let members) = value else { return [] }
        var problems = unknown(members, allowed: settingsKeys, at: base)
        if case .object(let auth)? = members["auth"] { problems += unknown(auth, allowed: authKeys, at: base + "/auth") }
        if case .object(let pagination)? = members["pagination"] {
            problems += unknown(pagination, allowed: paginationKeys, at: base + "/pagination")
        }
        return problems
    }

    private static func unknown(_ members: [String: JSONValue], allowed: Set<String>, at base: String) -> [FieldError] {
        members.keys.filter { !allowed.contains($0) }.sorted().map {
            FieldError(pointer: base + "/" + JSONPointer.escape($0), "is not a known field")
        }
    }

    public static func problems(_ settings: APISettings, at base: String = "/api") -> [FieldError] {
        var problems: [FieldError] = []
        if let baseUrl = settings.baseUrl, let problem = absoluteURLProblem(baseUrl) {
            problems.append(FieldError(pointer: base + "/baseUrl", problem))
        }
        problems += authProblems(settings.auth, at: base + "/auth")
        problems += paginationProblems(settings.pagination, at: base + "/pagination")
        return problems
    }

    static func authProblems(_ auth: APISettings.Auth, at base: String) -> [FieldError] {
        var problems: [FieldError] = []
        func add(_ field: String, _ message: String) { problems.append(FieldError(pointer: base + "/" + field, message)) }
        if let extra = auth.extraHeaders { problems += headerProblems(extra, at: base + "/extraHeaders") }
        switch auth.type {
        case .none, .basic:
            break
        case .apiKey:
            switch auth.in ?? "header" {
            case "header":
                if let name = auth.headerName, !isToken(name) { add("headerName", "is not a valid header name") }
            case "query":
                if (auth.queryParam ?? "").isEmpty { add("queryParam", "is required when the key goes in the query") }
            default:
                add("in", "must be header or query")
            }
            if let preamble = auth.preamble, preamble.count > 100 || preamble.unicodeScalars.contains(where: { $0.value < 0x20 }) {
                add("preamble", "must be at most 100 characters without control characters")
            }
        case .oauth2:
            if auth.grantType == nil { add("grantType", "is required: client_credentials or authorization_code") }
            if let url = auth.tokenUrl {
                if let problem = absoluteURLProblem(url) { add("tokenUrl", problem) }
            } else {
                add("tokenUrl", "is required for OAuth 2.0")
            }
            if let url = auth.refreshUrl, let problem = absoluteURLProblem(url) { add("refreshUrl", problem) }
            if auth.grantType == .authorizationCode {
                if let url = auth.authorizationUrl {
                    if let problem = absoluteURLProblem(url) { add("authorizationUrl", problem) }
                } else {
                    add("authorizationUrl", "is required for the authorization code grant")
                }
            }
            if let type = auth.tokenRequestContentType,
                type != APISettings.Auth.formContentType && type != APISettings.Auth.jsonContentType
            {
                add("tokenRequestContentType", "must be application/x-www-form-urlencoded or application/json")
            }
            if let method = auth.tokenRequestMethod, method != "POST" && method != "GET" { add("tokenRequestMethod", "must be POST or GET") }
            if let scheme = auth.accessTokenScheme, scheme.isEmpty || !isToken(scheme) {
                add("accessTokenScheme", "must be a single word such as Bearer")
            }
            for (field, key) in [("tokenKey", auth.tokenKey), ("expiresKey", auth.expiresKey), ("refreshTokenKey", auth.refreshTokenKey)] {
                if let key, key.isEmpty || key.count > 200 { add(field, "must be 1 to 200 characters") }
            }
            if let seconds = auth.refreshBufferSeconds, !APISettings.Auth.refreshBufferRange.contains(seconds) {
                add("refreshBufferSeconds", "must be from 30 to 3600")
            }
            if let seconds = auth.refreshIntervalSeconds, !APISettings.Auth.refreshIntervalRange.contains(seconds) {
                add("refreshIntervalSeconds", "must be from 300 to 86400")
            }
            if auth.refreshStrategy == .interval, auth.refreshIntervalSeconds == nil {
                add("refreshIntervalSeconds", "is required when the refresh strategy is interval")
            }
            if let scope = auth.scope, scope.count > 2000 { add("scope", "must be at most 2000 characters") }
            for name in (auth.extraAuthorizationParams ?? [:]).keys.sorted() where reservedAuthorizationParams.contains(name) {
                add("extraAuthorizationParams/" + JSONPointer.escape(name), "is set by the authorization flow and cannot be overridden")
            }
        }
        return problems
    }

    static func paginationProblems(_ pagination: APISettings.Pagination, at base: String) -> [FieldError] {
        var problems: [FieldError] = []
        func add(_ field: String, _ message: String) { problems.append(FieldError(pointer: base + "/" + field, message)) }
        func require(_ field: String, _ value: String?, _ reason: String) {
            if (value ?? "").isEmpty { add(field, "is required for \(reason)") }
        }
        if let size = pagination.defaultPageSize, !(1...APISettings.Pagination.maximumPageSize).contains(size) {
            add("defaultPageSize", "must be from 1 to \(APISettings.Pagination.maximumPageSize)")
        }
        if let limit = pagination.pageLimit, !(1...APISettings.Pagination.maximumPageLimit).contains(limit) {
            add("pageLimit", "must be from 1 to \(APISettings.Pagination.maximumPageLimit)")
        }
        if let key = pagination.resultsKey, DottedPath(key) == nil { add("resultsKey", "must be a dotted path such as data.items") }
        switch pagination.type {
        case .none:
            break
        case .index:
            require("indexParam", pagination.indexParam, "index pagination")
        case .page:
            require("pageParam", pagination.pageParam, "page pagination")
        case .link:
            switch pagination.linkLocation ?? "header" {
            case "header":
                if let name = pagination.headerName, !isToken(name) { add("headerName", "is not a valid header name") }
            case "body":
                if let key = pagination.nextPageKey {
                    if DottedPath(key) == nil { add("nextPageKey", "must be a dotted path such as links.next") }
                } else {
                    add("nextPageKey", "is required when the next link is in the body")
                }
            default:
                add("linkLocation", "must be header or body")
            }
        case .pointer:
            require("afterParam", pagination.afterParam, "pointer pagination")
            if let path = pagination.pointerPath {
                if JSONPathLite(path) == nil { add("pointerPath", "must be a JSONPath such as $.meta.next_cursor") }
            } else {
                add("pointerPath", "is required for pointer pagination")
            }
        }
        return problems
    }

    /// Connection-level headers the HTTP client owns; `Authorization` may be set (it is how some APIs want a key).
    static let framingHeaders: Set<String> = [
        "host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer", "expect",
    ]

    static func headerProblems(_ headers: [String: String], at pointer: String) -> [FieldError] {
        WebhookRules.headerProblems(headers, at: pointer, reserved: framingHeaders, reason: "is set by the HTTP client and cannot be overridden")
    }

    /// An RFC 9110 token (header names, auth schemes).
    static func isToken(_ text: String) -> Bool {
        let characters = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return !text.isEmpty && text.allSatisfy { characters.contains($0) }
    }

    /// Shape only: http(s), a host, no credentials. Whether the host may be reached is the sender's SSRF guard's call.
    static func absoluteURLProblem(_ text: String) -> String? {
        guard text.utf8.count <= 2048 else { return "must be at most 2048 bytes" }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let host = components.host, !host.isEmpty
        else { return "must be an absolute http or https URL" }
        if components.user != nil || components.password != nil { return "must not carry credentials" }
        return nil
    }
}
