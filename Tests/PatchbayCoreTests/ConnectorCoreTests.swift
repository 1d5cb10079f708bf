import Foundation
import Testing

@testable import PatchbayCore

@Suite struct LinkHeaderTests {
    @Test func parsesTargetsWithCommasQuotedParametersAndSeveralRelations() {
        let header = LinkHeader([
            #"<https://api.example.com/items?tags=a,b&page=2>; rel="next last"; title="Next, please", <https://api.example.com/items?page=1>; rel=prev"#,
            #"</relative?cursor=x;y>; REL="Alternate""#,
        ])
        #expect(header.links.count == 3)
        #expect(header.target(rel: "next", resolvedAgainst: "https://api.example.com/items") == "https://api.example.com/items?tags=a,b&page=2")
        #expect(header.target(rel: "LAST", resolvedAgainst: "https://x.test/") == "https://api.example.com/items?tags=a,b&page=2")
        #expect(header.target(rel: "prev", resolvedAgainst: "https://x.test/") == "https://api.example.com/items?page=1")
        #expect(header.links[0].parameters["title"] == "Next, please")
        #expect(header.target(rel: "alternate", resolvedAgainst: "https://api.example.com/a/b?q=1") == "https://api.example.com/relative?cursor=x;y")
        #expect(header.target(rel: "first", resolvedAgainst: "https://x.test/") == nil)
    }

    @Test func resolvesRelativeTargetsAgainstTheRequestURL() {
        #expect(LinkHeader.resolve("?page=3", against: "https://h.test/v1/items?page=2") == "https://h.test/v1/items?page=3")
        #expect(LinkHeader.resolve("next", against: "https://h.test/v1/items") == "https://h.test/v1/next")
        #expect(LinkHeader.resolve("/v2/x", against: "https://h.test/v1/items") == "https://h.test/v2/x")
    }

    @Test func skipsMalformedLinksWithoutLosingTheRest() {
        let header = LinkHeader([#"garbage, <https://h.test/2>; rel="next", <unterminated"#])
        #expect(header.target(rel: "next", resolvedAgainst: "https://h.test/") == "https://h.test/2")
        #expect(LinkHeader([""]).links.isEmpty)
        // Only the first rel parameter counts (RFC 8288 §3.3).
        #expect(LinkHeader([#"<https://h.test/a>; rel="prev"; rel="next""#]).target(rel: "next", resolvedAgainst: "https://h.test/") == nil)
    }
}

@Suite struct ValuePathTests {
    let document: JSONValue = ["meta": ["next_cursor": "c2", "odd key": 1], "data": [["id": 1], ["id": 2], ["id": 3]]]

    @Test func jsonPathSubset() {
        #expect(JSONPathLite("$.meta.next_cursor")?.value(in: document) == "c2")
        #expect(JSONPathLite("meta.next_cursor")?.value(in: document) == "c2")
        #expect(JSONPathLite("$['meta']['odd key']")?.value(in: document) == 1)
        #expect(JSONPathLite("$.data[-1].id")?.value(in: document) == 3)
        #expect(JSONPathLite("$.data[0].id")?.value(in: document) == 1)
        #expect(JSONPathLite("$.data[9].id")?.value(in: document) == nil)
        #expect(JSONPathLite("$.data[*].id") == nil, "wildcards select many values; a cursor is one")
        #expect(JSONPathLite("$..id") == nil)
        #expect(JSONPathLite("") == nil)
    }

    @Test func dottedPaths() {
        #expect(DottedPath("data.1.id")?.value(in: document) == 2)
        #expect(DottedPath("meta.missing")?.value(in: document) == nil)
        #expect(DottedPath("a..b") == nil && DottedPath("") == nil)
    }
}

@Suite struct RequestBuilderTests {
    func action(_ parameters: [ActionDefinition.Parameter], body: ActionDefinition.RequestBody? = nil, path: String = "/items/{id}")
        -> ActionDefinition
    {
        ActionDefinition(
            name: "A", operationId: nil, description: "", method: "post", path: path, parameters: parameters, requestBody: body, responseSchema: nil,
            paginated: false)
    }

    @Test func encodesPathAndQueryByStyle() throws {
        let definition = action([
            .init(name: "id", location: .path, required: true),
            .init(name: "ids", location: .query, required: false),
            .init(name: "csv", location: .query, required: false, explode: false),
            .init(name: "space", location: .query, required: false, style: "spaceDelimited"),
            .init(name: "pipe", location: .query, required: false, style: "pipeDelimited"),
            .init(name: "deep", location: .query, required: false, style: "deepObject"),
            .init(name: "form", location: .query, required: false),
            .init(name: "X-Id", location: .header, required: false),
            .init(name: "session", location: .cookie, required: false),
        ])
        let input = ActionInput(parameters: [
            "id": "a/b c?", "ids": [1, 2], "csv": ["x", "y"], "space": ["p", "q"], "pipe": ["p", "q"], "deep": ["k": "v w"],
            "form": ["color": "red", "size": 2], "X-Id": [1, 2], "session": "s=1",
        ])
        let request = try RequestBuilder.build(action: definition, input: input, baseURL: "https://api.test/v1/")
        #expect(request.method == "POST")
        #expect(
            request.url
                == "https://api.test/v1/items/a%2Fb%20c%3F?ids=1&ids=2&csv=x,y&space=p%20q&pipe=p%7Cq&deep%5Bk%5D=v%20w&color=red&size=2")
        #expect(request.header("X-Id") == "1,2")
        #expect(request.header("Cookie") == "session=s%3D1")
    }

    @Test func dotSegmentsAndLineBreaksCannotEscape() throws {
        let definition = action([.init(name: "id", location: .path, required: true), .init(name: "X-Note", location: .header, required: false)])
        #expect(
            try RequestBuilder.build(action: definition, input: .init(parameters: ["id": ".."]), baseURL: "https://h.test").url
                == "https://h.test/items/%2E%2E")
        let injected = ActionInput(parameters: ["id": "1", "X-Note": "a\r\nX-Admin: yes"])
        #expect(injected.problems(for: definition, definitions: [:]).compactMap(\.pointer) == ["/parameters/X-Note"])
        #expect(
            OAuthProtocol.readTokenResponse(
                status: 200, body: Array(#"{"access_token":"a\r\nb"}"#.utf8), auth: .init(type: .oauth2), now: 0, previousRefreshToken: nil)
                == .malformed("the access token is not printable ASCII of at most 16 KiB"))
    }

    @Test func labelAndMatrixPathStyles() throws {
        let label = action([.init(name: "id", location: .path, required: true, style: "label")], path: "/x{id}")
        #expect(
            try RequestBuilder.build(action: label, input: .init(parameters: ["id": [3, 4]]), baseURL: "https://h.test").url == "https://h.test/x.3,4"
        )
        let matrix = action([.init(name: "id", location: .path, required: true, style: "matrix", explode: true)], path: "/x{id}")
        #expect(
            try RequestBuilder.build(action: matrix, input: .init(parameters: ["id": [3, 4]]), baseURL: "https://h.test").url
                == "https://h.test/x;id=3;id=4")
    }

    @Test func bodiesFollowTheAcceptedMediaType() throws {
        let json = action([], body: .init(required: true, content: ["application/xml": [:], "application/vnd.api+json": [:]]), path: "/")
        let sent = try RequestBuilder.build(action: json, input: .init(body: ["b": 1, "a": "x"]), baseURL: "https://h.test")
        #expect(String(decoding: sent.body, as: UTF8.self) == #"{"a":"x","b":1}"# && sent.header("Content-Type") == "application/vnd.api+json")
        let form = action([], body: .init(required: true, content: ["application/x-www-form-urlencoded": [:]]), path: "/")
        let formSent = try RequestBuilder.build(action: form, input: .init(body: ["q": "a b&c", "n": 2]), baseURL: "https://h.test")
        #expect(String(decoding: formSent.body, as: UTF8.self) == "n=2&q=a+b%26c")
        let multipart = action([], body: .init(required: true, content: ["multipart/form-data": [:]]), path: "/")
        let parts = try RequestBuilder.build(
            action: multipart, input: .init(body: ["file": "hello", "meta": ["k": 1]]), baseURL: "https://h.test", boundary: "BOUND")
        #expect(parts.header("Content-Type") == "multipart/form-data; boundary=BOUND")
        #expect(
            String(decoding: parts.body, as: UTF8.self)
                == "--BOUND\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nhello\r\n--BOUND\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"k\":1}\r\n--BOUND--\r\n"
        )
        #expect(throws: RequestBuilder.Failure.self) {
            try RequestBuilder.build(action: form, input: .init(body: [1, 2]), baseURL: "https://h.test")
        }
    }

    @Test func inputIsCheckedAgainstTheActionWithReferencesAndNullable() {
        let definition = ActionDefinition(
            name: "Create", operationId: nil, description: "", method: "POST", path: "/p/{id}",
            parameters: [
                .init(name: "id", location: .path, required: true, schema: ["type": "integer"]),
                .init(name: "q", location: .query, required: false, schema: ["type": "string", "enum": ["a", "b"]]),
            ],
            requestBody: .init(required: true, content: ["application/json": ["$ref": "#/components/schemas/Pet"]]), responseSchema: nil,
            paginated: false)
        let definitions: [String: JSONValue] = [
            "#/components/schemas/Pet": [
                "allOf": [
                    ["type": "object", "required": ["name"], "properties": ["name": ["type": "string"]]],
                    ["properties": ["tag": ["type": "string", "nullable": true], "kind": ["oneOf": [["type": "string"], ["type": "integer"]]]]],
                ]
            ]
        ]
        let good = ActionInput(parameters: ["id": 3], body: ["name": "Rex", "tag": nil, "kind": 7])
        #expect(good.problems(for: definition, definitions: definitions).isEmpty)
        let bad = ActionInput(parameters: ["id": "x", "q": "c", "z": 1], body: ["tag": 5])
        let pointers = bad.problems(for: definition, definitions: definitions).compactMap(\.pointer)
        #expect(Set(pointers) == ["/parameters/id", "/parameters/q", "/parameters/z", "/body/name", "/body/tag"], "\(pointers)")
        #expect(ActionInput(parameters: ["id": 1]).problems(for: definition, definitions: definitions).compactMap(\.pointer) == ["/body"])
    }
}

@Suite struct OAuthProtocolTests {
    let auth: APISettings.Auth = {
        var auth = APISettings.Auth(type: .oauth2)
        auth.grantType = .authorizationCode
        auth.authorizationUrl = "https://idp.test/authorize?audience=api"
        auth.tokenUrl = "https://idp.test/token"
        auth.scope = "read write"
        auth.extraAuthorizationParams = ["prompt": "consent"]
        return auth
    }()

    @Test func pkceChallengeIsBase64URLOfSHA256() {
        // Computed independently: python3 -c "import hashlib,base64; ..." for this verifier.
        #expect(OAuthProtocol.challenge(for: "dBjftJeZ4CVP-mJ92K6ImQxmk4w5uP6XaWGsz8MLAN8") == "ZGVLc1I33AWaAQNmGPbBwU5DudqX5Bg8oYARvL4PREc")
        let verifier = OAuthProtocol.makeVerifier()
        #expect((43...128).contains(verifier.count) && verifier.allSatisfy { $0.isLetter || $0.isNumber || "-._~".contains($0) })
        #expect(OAuthProtocol.makeVerifier() != verifier && OAuthProtocol.makeState() != OAuthProtocol.makeState())
    }

    @Test func authorizationURLKeepsItsQueryAndAddsTheFlowParameters() throws {
        let url = try #require(
            OAuthProtocol.authorizationURL(auth: auth, clientId: "c 1", redirectURI: "https://pb.test/oauth/callback", state: "st", verifier: "v"))
        let query = QueryString(url: url)
        #expect(url.hasPrefix("https://idp.test/authorize?audience=api&"))
        #expect(query.value("client_id") == "c 1" && query.value("redirect_uri") == "https://pb.test/oauth/callback")
        #expect(query.value("code_challenge") == OAuthProtocol.challenge(for: "v") && query.value("code_challenge_method") == "S256")
        #expect(query.value("scope") == "read write" && query.value("prompt") == "consent" && query.value("state") == "st")
    }

    @Test func tokenRequestsHonourEveryExchangeSetting() throws {
        let credentials = ConnectorCredentials(clientId: "id:1", clientSecret: "s e/c")
        var basic = auth
        basic.basicAuthOnExchange = true
        let exchange = try #require(
            OAuthProtocol.tokenRequest(
                grant: .authorizationCode(code: "c", verifier: "v", redirectURI: "https://r.test/cb"), auth: basic, credentials: credentials))
        #expect(exchange.header("Authorization") == "Basic " + Data("id%3A1:s+e%2Fc".utf8).base64EncodedString())
        #expect(
            String(decoding: exchange.body, as: UTF8.self)
                == "grant_type=authorization_code&code=c&redirect_uri=https%3A%2F%2Fr.test%2Fcb&code_verifier=v")
        var json = auth
        json.tokenRequestContentType = APISettings.Auth.jsonContentType
        json.includeClientConfigOnRefresh = false
        json.includeRedirectUriOnRefresh = true
        json.refreshUrl = "https://idp.test/refresh"
        let refresh = try #require(
            OAuthProtocol.tokenRequest(grant: .refresh(refreshToken: "r", redirectURI: "https://r.test/cb"), auth: json, credentials: credentials))
        #expect(refresh.url == "https://idp.test/refresh" && refresh.header("Content-Type") == "application/json")
        #expect(JSONText.decode(refresh.body) == ["grant_type": "refresh_token", "refresh_token": "r", "redirect_uri": "https://r.test/cb"])
        var get = auth
        get.tokenRequestMethod = "GET"
        let viaGet = try #require(OAuthProtocol.tokenRequest(grant: .clientCredentials, auth: get, credentials: credentials))
        #expect(viaGet.method == "GET" && viaGet.body.isEmpty && QueryString(url: viaGet.url).value("client_secret") == "s e/c")
    }

    @Test func tokenResponsesAreReadWithCustomKeysAndKeepTheOldRefreshToken() {
        var custom = auth
        custom.tokenKey = "data.token"
        custom.expiresKey = "ttl"
        let body = Array(#"{"data":{"token":"T"},"ttl":"60"}"#.utf8)
        #expect(
            OAuthProtocol.readTokenResponse(status: 200, body: body, auth: custom, now: 1_000, previousRefreshToken: "old")
                == .tokens(OAuthTokens(accessToken: "T", refreshToken: "old", expiresAt: 61_000, obtainedAt: 1_000)))
        #expect(
            OAuthProtocol.readTokenResponse(
                status: 400, body: Array(#"{"error":"invalid_grant","error_description":"revoked"}"#.utf8), auth: auth, now: 0,
                previousRefreshToken: nil)
                == .rejected(error: "invalid_grant", description: "revoked"))
        if case .malformed = OAuthProtocol.readTokenResponse(status: 200, body: Array("<html>".utf8), auth: auth, now: 0, previousRefreshToken: nil) {
        } else {
            Issue.record("an HTML answer must be malformed")
        }
    }

    @Test func refreshIsDueByBufferOrInterval() {
        let tokens = OAuthTokens(accessToken: "a", refreshToken: "r", expiresAt: 3_600_000, obtainedAt: 0)
        var automatic = auth
        automatic.refreshBufferSeconds = 600
        #expect(!tokens.needsRefresh(at: 2_999_000, auth: automatic) && tokens.needsRefresh(at: 3_000_000, auth: automatic))
        var interval = auth
        interval.refreshStrategy = .interval
        interval.refreshIntervalSeconds = 300
        #expect(!tokens.needsRefresh(at: 299_000, auth: interval) && tokens.needsRefresh(at: 300_000, auth: interval))
        #expect(!OAuthTokens(accessToken: "a", refreshToken: nil, expiresAt: nil, obtainedAt: 0).needsRefresh(at: .max / 2, auth: auth))
    }
}

@Suite struct PaginationEngineTests {
    func response(_ items: Int, extra: [String: JSONValue] = [:]) -> (JSONValue, [UInt8]) {
        var body = extra
        body["data"] = .array((0..<items).map { .int(Int64($0)) })
        let value = JSONValue.object(body)
        return (value, JSONText.encode(value))
    }

    @Test func indexPagesAdvanceByItemsAndStopOnAShortPage() {
        var settings = APISettings.Pagination(type: .index)
        settings.resultsKey = "data"
        settings.indexParam = "offset"
        settings.pageSizeParam = "limit"
        settings.defaultPageSize = 2
        var engine = PaginationEngine(settings: settings)
        let first = engine.first(OutboundRequest(method: "GET", url: "https://h.test/x?q=1"))
        #expect(first.url == "https://h.test/x?q=1&limit=2&offset=0")
        let (body, raw) = response(2)
        guard case .next(let second) = engine.next(after: first, headers: [], body: body, rawBody: raw) else {
            Issue.record("expected a next page")
            return
        }
        #expect(second.url == "https://h.test/x?q=1&limit=2&offset=2")
        let (short, shortRaw) = response(1)
        #expect(engine.next(after: second, headers: [], body: short, rawBody: shortRaw) == .stop(.shortPage))
        #expect(engine.pages == 2)
    }

    @Test func emptyPagesMissingCursorsAndTheLimitStop() {
        var settings = APISettings.Pagination(type: .pointer)
        settings.resultsKey = "data"
        settings.afterParam = "after"
        settings.pointerPath = "$.next"
        var engine = PaginationEngine(settings: settings, pageLimit: 2)
        let request = OutboundRequest(method: "GET", url: "https://h.test/x")
        let (empty, emptyRaw) = response(0, extra: ["next": "n"])
        #expect(engine.next(after: request, headers: [], body: empty, rawBody: emptyRaw) == .stop(.emptyPage))
        var noCursor = PaginationEngine(settings: settings)
        let (page, pageRaw) = response(3, extra: ["next": nil])
        #expect(noCursor.next(after: request, headers: [], body: page, rawBody: pageRaw) == .stop(.noNext))
        var limited = PaginationEngine(settings: settings, pageLimit: 1)
        let (full, fullRaw) = response(3, extra: ["next": "n"])
        #expect(limited.next(after: request, headers: [], body: full, rawBody: fullRaw) == .stop(.pageLimit))
        #expect(PaginationEngine(settings: settings, pageLimit: 99).pageLimit == 20)
    }
}

@Suite struct SettingsAndMappingTests {
    @Test func unknownFieldsAndRulesArePointedAt() {
        let value: JSONValue = ["baseUrl": "x", "auth": ["type": "apiKey", "bogus": 1], "pagination": ["type": "none", "more": 2], "extra": 3]
        #expect(Set(APISettingsRules.unknownFields(value).compactMap(\.pointer)) == ["/api/extra", "/api/auth/bogus", "/api/pagination/more"])
        var settings = APISettings(baseUrl: "ftp://h", auth: .init(type: .apiKey), pagination: .init(type: .link))
        settings.auth.in = "cookie"
        settings.auth.extraHeaders = ["Host": "evil", "Bad Name": "x", "X-Ok": "line\nbreak"]
        settings.pagination.linkLocation = "body"
        settings.pagination.defaultPageSize = 5000
        let pointers = Set(APISettingsRules.problems(settings).compactMap(\.pointer))
        #expect(
            pointers == [
                "/api/baseUrl", "/api/auth/in", "/api/auth/extraHeaders/Host", "/api/auth/extraHeaders/Bad Name", "/api/auth/extraHeaders/X-Ok",
                "/api/pagination/nextPageKey", "/api/pagination/defaultPageSize",
            ], "\(pointers)")
        var oauth = APISettings.Auth(type: .oauth2)
        oauth.grantType = .authorizationCode
        oauth.tokenUrl = "https://idp.test/token"
        oauth.authorizationUrl = "https://idp.test/authorize"
        oauth.refreshStrategy = .interval
        oauth.extraAuthorizationParams = ["state": "mine"]
        let oauthPointers = Set(
            APISettingsRules.problems(APISettings(baseUrl: nil, auth: oauth, pagination: .init(type: .none))).compactMap(\.pointer))
        #expect(oauthPointers == ["/api/auth/refreshIntervalSeconds", "/api/auth/extraAuthorizationParams/state"])
    }

    @Test func credentialsMatchTheAuthType() {
        var oauth = APISettings.Auth(type: .oauth2)
        oauth.grantType = .clientCredentials
        #expect(ConnectorCredentials(clientId: "a").problems(for: oauth).compactMap(\.pointer) == ["/credentials/clientSecret"])
        #expect(ConnectorCredentials(username: "a:b").problems(for: .init(type: .basic)).compactMap(\.pointer) == ["/credentials/username"])
        #expect(ConnectorCredentials().problems(for: .init(type: .none)).isEmpty)
    }

    @Test func mappingSuggestionsMatchNamesOncePerCandidate() {
        let suggestions = OrganizationMapping.suggest(
            organizations: [("org_a", "Acme, Inc."), ("org_b", "Globex Corporation"), ("org_c", "Initech"), ("org_d", "Acme")],
            candidates: [
                .init(externalId: "1", externalName: "ACME"), .init(externalId: "2", externalName: "Globex"),
                .init(externalId: "3", externalName: "Umbrella"),
            ]
        )
        #expect(suggestions.map(\.externalId) == ["1", "2", nil, nil])
        #expect(suggestions[0].score == 1 && suggestions[1].score == 1)
    }
}
