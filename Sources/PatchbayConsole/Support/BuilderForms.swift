import Foundation
import PatchbayCore

/// The integration builder's forms and the `api` object between them: what each step shows, and how a posted
/// step changes the settings. Pure, so it is tested without a server.
enum BuilderForms {
    /// The wizard's steps, in order. Settings steps are skipped when the chosen type has none.
    enum Step: String, CaseIterable, Sendable {
        case details, host, auth, authSettings = "auth-settings", pagination, paginationSettings = "pagination-settings", actions, finalize

        var title: String {
            switch self {
            case .details: "Name and icon"
            case .host: "API hostname"
            case .auth: "Authentication"
            case .authSettings: "Authentication defaults"
            case .pagination: "Pagination"
            case .paginationSettings: "Pagination details"
            case .actions: "Edit Actions"
            case .finalize: "Finalize"
            }
        }
    }

    static func steps(for settings: APISettings) -> [Step] {
        Step.allCases.filter { step in
            switch step {
            case .authSettings: settings.auth.type != .none
            case .paginationSettings: settings.pagination.type != .none
            default: true
            }
        }
    }

    // MARK: - Authentication

    /// The five choices of the authentication step (OAuth 2.0 is two, by grant).
    static let authChoices = ["apiKey", "basic", "oauth2-code", "oauth2-client", "none"]

    static func authChoice(_ auth: APISettings.Auth) -> String {
        switch auth.type {
        case .apiKey: "apiKey"
        case .basic: "basic"
        case .none: "none"
        case .oauth2: auth.grantType == .clientCredentials ? "oauth2-client" : "oauth2-code"
        }
    }

    /// The auth as chosen: the same type keeps its settings, another type starts from its defaults.
    static func choosing(_ choice: String, from auth: APISettings.Auth) -> APISettings.Auth? {
        guard authChoices.contains(choice) else { return nil }
        if choice == authChoice(auth) { return auth }
        var next: APISettings.Auth
        switch choice {
        case "apiKey":
            next = APISettings.Auth(type: .apiKey)
            next.headerName = "Authorization"
        case "basic": next = APISettings.Auth(type: .basic)
        case "oauth2-code", "oauth2-client":
            next = APISettings.Auth(type: .oauth2)
            next.grantType = choice == "oauth2-code" ? .authorizationCode : .clientCredentials
            // Switching between the grants keeps the endpoints already typed.
            if auth.type == .oauth2 {
                next = auth
                next.grantType = choice == "oauth2-code" ? .authorizationCode : .clientCredentials
            }
        default: next = APISettings.Auth(type: .none)
        }
        next.extraHeaders = auth.extraHeaders
        return next
    }

    static let authTextFields = [
        "headerName", "preamble", "queryParam", "authorizationUrl", "tokenUrl", "refreshUrl", "scope", "accessTokenScheme", "tokenKey",
        "expiresKey", "refreshTokenKey",
    ]
    static let authFlagFields = ["basicAuthOnExchange", "includeClientConfigOnRefresh", "includeRedirectUriOnRefresh"]

    /// The auth step's form values, as strings, for the template (`v.<field>`).
    static func values(of auth: APISettings.Auth) -> [String: Any] {
        var values: [String: Any] = [
            "headerName": auth.headerName ?? "", "preamble": auth.preamble ?? "", "queryParam": auth.queryParam ?? "",
            "authorizationUrl": auth.authorizationUrl ?? "", "tokenUrl": auth.tokenUrl ?? "", "refreshUrl": auth.refreshUrl ?? "",
            "scope": auth.scope ?? "", "accessTokenScheme": auth.accessTokenScheme ?? "", "tokenKey": auth.tokenKey ?? "",
            "expiresKey": auth.expiresKey ?? "", "refreshTokenKey": auth.refreshTokenKey ?? "",
            "refreshBufferSeconds": auth.refreshBufferSeconds.map(String.init) ?? "",
            "refreshIntervalSeconds": auth.refreshIntervalSeconds.map(String.init) ?? "",
            "extraHeaders": pairsText(auth.extraHeaders), "extraAuthorizationParams": pairsText(auth.extraAuthorizationParams),
            "inQuery": auth.keyInQuery, "jsonTokenRequest": auth.tokenRequestContentType == APISettings.Auth.jsonContentType,
            "getTokenRequest": auth.tokenRequestMethod == "GET", "intervalRefresh": auth.refreshStrategy == .interval,
        ]
        values["basicAuthOnExchange"] = auth.basicAuthOnExchange ?? false
        values["includeClientConfigOnRefresh"] = auth.includeClientConfigOnRefresh ?? false
        values["includeRedirectUriOnRefresh"] = auth.includeRedirectUriOnRefresh ?? false
        return values
    }

    /// The same values as posted (so a refused form shows what was typed).
    static func values(posted form: FormData) -> [String: Any] {
        var values: [String: Any] = [:]
        for field in authTextFields + paginationTextFields + [
            "refreshBufferSeconds", "refreshIntervalSeconds", "extraHeaders", "extraAuthorizationParams",
        ] {
            values[field] = form[field] ?? ""
        }
        for field in authFlagFields { values[field] = form[field] == "yes" }
        values["inQuery"] = form["in"] == "query"
        values["jsonTokenRequest"] = form["tokenRequestContentType"] == APISettings.Auth.jsonContentType
        values["getTokenRequest"] = form["tokenRequestMethod"] == "GET"
        values["intervalRefresh"] = form["refreshStrategy"] == "interval"
        values["linkInBody"] = form["linkLocation"] == "body"
        values["defaultPageSize"] = form["defaultPageSize"] ?? ""
        values["pageLimit"] = form["pageLimit"] ?? ""
        return values
    }

    /// Applies the auth defaults form of `auth`'s type; problems carry `/api/auth/…` pointers.
    static func apply(authForm form: FormData, to auth: inout APISettings.Auth, problems: inout [FieldError]) {
        func text(_ name: String) -> String? { (form[name] ?? "").trimmingCharacters(in: .whitespaces).nilIfEmpty }
        auth.extraHeaders = pairs(form["extraHeaders"] ?? "", at: "/api/auth/extraHeaders", problems: &problems)
        switch auth.type {
        case .none, .basic:
            break
        case .apiKey:
            auth.in = form["in"] == "query" ? "query" : "header"
            auth.headerName = text("headerName")
            auth.preamble = (form["preamble"] ?? "").nilIfEmpty
            auth.queryParam = text("queryParam")
        case .oauth2:
            auth.authorizationUrl = text("authorizationUrl")
            auth.tokenUrl = text("tokenUrl")
            auth.refreshUrl = text("refreshUrl")
            auth.scope = text("scope")
            auth.accessTokenScheme = text("accessTokenScheme")
            auth.tokenKey = text("tokenKey")
            auth.expiresKey = text("expiresKey")
            auth.refreshTokenKey = text("refreshTokenKey")
            auth.tokenRequestContentType =
                form["tokenRequestContentType"] == APISettings.Auth.jsonContentType ? APISettings.Auth.jsonContentType : nil
            auth.tokenRequestMethod = form["tokenRequestMethod"] == "GET" ? "GET" : nil
            auth.basicAuthOnExchange = form["basicAuthOnExchange"] == "yes" ? true : nil
            auth.includeClientConfigOnRefresh = form["includeClientConfigOnRefresh"] == "yes" ? true : nil
            auth.includeRedirectUriOnRefresh = form["includeRedirectUriOnRefresh"] == "yes" ? true : nil
            auth.refreshStrategy = form["refreshStrategy"] == "interval" ? .interval : nil
            auth.refreshBufferSeconds = number(form["refreshBufferSeconds"], at: "/api/auth/refreshBufferSeconds", problems: &problems)
            auth.refreshIntervalSeconds = number(form["refreshIntervalSeconds"], at: "/api/auth/refreshIntervalSeconds", problems: &problems)
            auth.extraAuthorizationParams = pairs(
                form["extraAuthorizationParams"] ?? "", at: "/api/auth/extraAuthorizationParams", problems: &problems)
        }
    }

    // MARK: - Pagination

    static let paginationChoices = APISettings.Pagination.Kind.allCases.map(\.rawValue)
    static let paginationTextFields = [
        "resultsKey", "pageSizeParam", "indexParam", "pageParam", "headerName", "headerRel", "nextPageKey", "afterParam", "pointerPath",
    ]

    static func choosing(pagination choice: String, from pagination: APISettings.Pagination) -> APISettings.Pagination? {
        guard let kind = APISettings.Pagination.Kind(rawValue: choice) else { return nil }
        if kind == pagination.type { return pagination }
        var next = APISettings.Pagination(type: kind)
        // The fields every type shares survive a change of type.
        next.resultsKey = pagination.resultsKey
        next.pageSizeParam = pagination.pageSizeParam
        next.defaultPageSize = pagination.defaultPageSize
        next.pageLimit = pagination.pageLimit
        return next
    }

    static func values(of pagination: APISettings.Pagination) -> [String: Any] {
        [
            "resultsKey": pagination.resultsKey ?? "", "pageSizeParam": pagination.pageSizeParam ?? "",
            "defaultPageSize": pagination.defaultPageSize.map(String.init) ?? "", "pageLimit": pagination.pageLimit.map(String.init) ?? "",
            "indexParam": pagination.indexParam ?? "", "pageParam": pagination.pageParam ?? "", "linkInBody": pagination.linkInBody,
            "headerName": pagination.headerName ?? "", "headerRel": pagination.headerRel ?? "", "nextPageKey": pagination.nextPageKey ?? "",
            "afterParam": pagination.afterParam ?? "", "pointerPath": pagination.pointerPath ?? "",
        ]
    }

    static func apply(paginationForm form: FormData, to pagination: inout APISettings.Pagination, problems: inout [FieldError]) {
        func text(_ name: String) -> String? { (form[name] ?? "").trimmingCharacters(in: .whitespaces).nilIfEmpty }
        pagination.resultsKey = text("resultsKey")
        pagination.pageSizeParam = text("pageSizeParam")
        pagination.defaultPageSize = number(form["defaultPageSize"], at: "/api/pagination/defaultPageSize", problems: &problems)
        pagination.pageLimit = number(form["pageLimit"], at: "/api/pagination/pageLimit", problems: &problems)
        switch pagination.type {
        case .none: break
        case .index: pagination.indexParam = text("indexParam")
        case .page: pagination.pageParam = text("pageParam")
        case .link:
            pagination.linkLocation = form["linkLocation"] == "body" ? "body" : "header"
            pagination.headerName = text("headerName")
            pagination.headerRel = text("headerRel")
            pagination.nextPageKey = text("nextPageKey")
        case .pointer:
            pagination.afterParam = text("afterParam")
            pagination.pointerPath = text("pointerPath")
        }
    }

    // MARK: - Helpers

    /// A whole number typed in a field; empty is nil. Range checks are the settings rules'.
    static func number(_ text: String?, at pointer: String, problems: inout [FieldError]) -> Int? {
        let trimmed = (text ?? "").trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        guard trimmed.count <= 9, let value = Int(trimmed) else {
            problems.append(FieldError(pointer: pointer, "must be a whole number"))
            return nil
        }
        return value
    }

    static let maxPairs = 50

    /// `Name: value` lines (blank lines skipped) as a dictionary; a line without a colon is a problem naming it.
    static func pairs(_ text: String, at pointer: String, problems: inout [FieldError]) -> [String: String]? {
        var result: [String: String] = [:]
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let colon = trimmed.firstIndex(of: ":"), colon != trimmed.startIndex else {
                problems.append(FieldError(pointer: pointer, "line \(index + 1) is not “Name: value”"))
                continue
            }
            let name = trimmed[..<colon].trimmingCharacters(in: .whitespaces)
            let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            result[name] = value
            if result.count > maxPairs {
                problems.append(FieldError(pointer: pointer, "must have at most \(maxPairs) lines"))
                break
            }
        }
        return result.isEmpty ? nil : result
    }

    static func pairsText(_ pairs: [String: String]?) -> String {
        (pairs ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
    }

    /// The settings as the `api` object the service takes.
    static func json(_ settings: APISettings) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(settings))
    }

    /// Field messages for one step: `/api/auth/headerName` → `headerNameError`, and a summary of every problem.
    static func messages(_ error: PatchbayError, prefix: String) -> [String: Any] {
        var model: [String: Any] = [:]
        var summary: [String] = []
        for problem in error.errors {
            let pointer = problem.pointer ?? problem.parameter ?? ""
            let field = pointer.hasPrefix(prefix) ? String(pointer.dropFirst(prefix.count)).split(separator: "/").first.map(String.init) : nil
            if let field, model[field + "Error"] == nil { model[field + "Error"] = problem.message }
            summary.append("\(field ?? pointer): \(problem.message)")
        }
        if summary.isEmpty { summary.append(error.detail) }
        model["problems"] = summary
        model["hasProblems"] = true
        return model
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
