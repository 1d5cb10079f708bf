import HTTPTypes
import PatchbayCore
import Testing

@testable import PatchbayConsole

/// The builder's pure parts: the steps, the forms ↔ `api` object, multipart uploads and document excerpts.
@Suite struct ConsoleBuilderUnitTests {
    static func form(_ text: String) throws -> FormData { try FormData(text) }

    @Test func stepsSkipTheSettingsOfNone() {
        var settings = APISettings(baseUrl: nil, auth: .init(type: .none), pagination: .init(type: .none))
        #expect(BuilderForms.steps(for: settings) == [.details, .host, .auth, .pagination, .actions, .finalize])
        settings.auth = .init(type: .basic)
        settings.pagination = .init(type: .link)
        #expect(BuilderForms.steps(for: settings).count == 8)
    }

    @Test func choosingAnotherAuthStartsFromItsDefaultsAndKeepsExtraHeaders() throws {
        var current = APISettings.Auth(type: .apiKey)
        current.headerName = "X-Key"
        current.extraHeaders = ["Accept": "application/json"]
        #expect(BuilderForms.choosing("apiKey", from: current) == current)
        let basic = try #require(BuilderForms.choosing("basic", from: current))
        #expect(basic.type == .basic && basic.headerName == nil && basic.extraHeaders == ["Accept": "application/json"])
        var code = try #require(BuilderForms.choosing("oauth2-code", from: current))
        #expect(code.type == .oauth2 && code.grantType == .authorizationCode)
        code.tokenUrl = "https://id.example.com/token"
        // Switching grants keeps the endpoints typed.
        let client = try #require(BuilderForms.choosing("oauth2-client", from: code))
        #expect(client.grantType == .clientCredentials && client.tokenUrl == "https://id.example.com/token")
        #expect(BuilderForms.choosing("kerberos", from: current) == nil)
        #expect(BuilderForms.authChoice(client) == "oauth2-client")
    }

    @Test func anOAuthFormFillsEverySettingAndReportsUnreadableNumbers() throws {
        var auth = APISettings.Auth(type: .oauth2)
        auth.grantType = .authorizationCode
        var problems: [FieldError] = []
        let form = try Self.form(
            "authorizationUrl=https%3A%2F%2Fid.example.com%2Fauthorize&tokenUrl=https%3A%2F%2Fid.example.com%2Ftoken&scope=read+write"
                + "&tokenRequestContentType=application%2Fjson&tokenRequestMethod=GET&basicAuthOnExchange=yes&refreshStrategy=interval"
                + "&refreshIntervalSeconds=600&refreshBufferSeconds=soon&extraAuthorizationParams=prompt%3A+consent%0D%0Aaccess_type%3Aoffline"
                + "&extraHeaders=Accept%3A+application%2Fjson")
        BuilderForms.apply(authForm: form, to: &auth, problems: &problems)
        #expect(auth.authorizationUrl == "https://id.example.com/authorize" && auth.scope == "read write")
        #expect(auth.tokenRequestContentType == "application/json" && auth.tokenRequestMethod == "GET" && auth.basicAuthOnExchange == true)
        #expect(auth.refreshStrategy == .interval && auth.refreshIntervalSeconds == 600 && auth.refreshBufferSeconds == nil)
        #expect(auth.extraAuthorizationParams == ["prompt": "consent", "access_type": "offline"])
        #expect(auth.extraHeaders == ["Accept": "application/json"])
        #expect(problems.map(\.pointer) == ["/api/auth/refreshBufferSeconds"])
        // What the form shows again is what the settings hold.
        let values = BuilderForms.values(of: auth)
        #expect(values["extraAuthorizationParams"] as? String == "access_type: offline\nprompt: consent")
        #expect(values["intervalRefresh"] as? Bool == true && values["jsonTokenRequest"] as? Bool == true)
    }

    @Test func pairsNameTheLineThatIsNotAPairAndAreCapped() {
        var problems: [FieldError] = []
        #expect(BuilderForms.pairs("A: 1\n\n  B :two: three ", at: "/x", problems: &problems) == ["A": "1", "B": "two: three"])
        #expect(problems.isEmpty)
        _ = BuilderForms.pairs("A: 1\nno colon\n: empty name", at: "/x", problems: &problems)
        #expect(problems.map(\.message) == ["line 2 is not “Name: value”", "line 3 is not “Name: value”"])
        problems = []
        let many = (0..<60).map { "H\($0): v" }.joined(separator: "\n")
        #expect(BuilderForms.pairs(many, at: "/x", problems: &problems)?.count == BuilderForms.maxPairs + 1)
        #expect(problems.count == 1)
        #expect(BuilderForms.pairs("", at: "/x", problems: &problems) == nil)
    }

    @Test func numbersAreRangeSafe() {
        var problems: [FieldError] = []
        #expect(BuilderForms.number(" 50 ", at: "/n", problems: &problems) == 50)
        #expect(BuilderForms.number("", at: "/n", problems: &problems) == nil)
        #expect(BuilderForms.number("99999999999999999999999", at: "/n", problems: &problems) == nil)
        #expect(BuilderForms.number("1e3", at: "/n", problems: &problems) == nil)
        #expect(problems.count == 2)
    }

    @Test func paginationFormsKeepTheSharedFieldsAcrossTypes() throws {
        var pagination = APISettings.Pagination(type: .page)
        var problems: [FieldError] = []
        BuilderForms.apply(
            paginationForm: try Self.form("resultsKey=data.items&pageSizeParam=per_page&defaultPageSize=50&pageLimit=3&pageParam=page"),
            to: &pagination, problems: &problems)
        #expect(problems.isEmpty && pagination.pageParam == "page" && pagination.defaultPageSize == 50)
        let link = try #require(BuilderForms.choosing(pagination: "link", from: pagination))
        #expect(link.type == .link && link.resultsKey == "data.items" && link.pageLimit == 3 && link.pageParam == nil)
        #expect(BuilderForms.choosing(pagination: "scroll", from: pagination) == nil)
    }

    @Test func stepMessagesSitBesideTheirFields() {
        let error = PatchbayError.validation([
            FieldError(pointer: "/api/auth/headerName", "is not a valid header name"), FieldError(pointer: "/api/baseUrl", "must be https"),
        ])
        let model = BuilderForms.messages(error, prefix: "/api/auth/")
        #expect(model["headerNameError"] as? String == "is not a valid header name")
        #expect((model["problems"] as? [String])?.count == 2)
    }

    // MARK: - Multipart

    static func multipart(_ parts: [(String, String?, String)], boundary: String = "XyZ") -> [UInt8] {
        var text = "preamble\r\n"
        for (name, filename, body) in parts {
            text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"" + (filename.map { "; filename=\"\($0)\"" } ?? "")
            text += "\r\n" + (filename == nil ? "" : "Content-Type: application/json\r\n") + "\r\n" + body + "\r\n"
        }
        return Array((text + "--\(boundary)--\r\n").utf8)
    }

    @Test func multipartReadsFieldsFilesAndEmptyParts() throws {
        let body = Self.multipart([("csrf", nil, "abc"), ("document", "a \\\"b\\\".json", "{\"x\":\r\n1}"), ("pasted", nil, "")])
        let form = try MultipartForm(body, boundary: "XyZ")
        #expect(form["csrf"] == "abc")
        #expect(form["pasted"] == "")
        let file = try #require(form.first("document"))
        #expect(file.filename == "a \"b\".json" && String(decoding: file.body, as: UTF8.self) == "{\"x\":\r\n1}")
        #expect(form["document"] == nil)
        #expect(MultipartForm.boundary(of: "multipart/form-data; boundary=\"----WebKit123\"") == "----WebKit123")
        #expect(MultipartForm.boundary(of: "application/x-www-form-urlencoded") == nil)
        #expect(MultipartForm.boundary(of: "multipart/form-data; boundary=" + String(repeating: "a", count: 71)) == nil)
    }

    @Test func malformedMultipartIsAClearErrorNeverACrash() {
        let cases: [[UInt8]] = [
            [], Array("--XyZ".utf8), Array("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end".utf8),
            Array("--XyZ\r\nNo-Disposition: x\r\n\r\nv\r\n--XyZ--".utf8), Array("--XyZjunk".utf8),
            Array(("--XyZ\r\n" + String(repeating: "H: v\r\n", count: 3000)).utf8),
        ]
        for body in cases {
            #expect(throws: PatchbayError.self) { try MultipartForm(body, boundary: "XyZ") }
        }
        let crowded = Self.multipart((0...MultipartForm.maxParts).map { ("f\($0)", nil, "v") })
        #expect(throws: PatchbayError.self) { try MultipartForm(crowded, boundary: "XyZ") }
        // Every prefix of a good body either parses or fails cleanly.
        let good = Self.multipart([("csrf", nil, "abc"), ("document", "d.json", "{}")])
        for end in 0...good.count { _ = try? MultipartForm(Array(good[..<end]), boundary: "XyZ") }
    }

    // MARK: - Excerpts

    @Test func excerptsShowTheLinesAroundAProblemAndCutLongOnes() {
        let lines = DocumentLines(Array("one\r\ntwo\nthree\nfour\nfive\nsix".utf8))
        let excerpt = lines.excerpt(around: 3, column: 1)
        #expect(excerpt.map { $0["number"] as? Int } == [1, 2, 3, 4, 5])
        #expect(excerpt.map { $0["text"] as? String } == ["one", "two", "three", "four", "five"])
        #expect(excerpt.map { $0["current"] as? Bool } == [false, false, true, false, false])
        #expect(lines.excerpt(around: 6, column: 1).count == 3)
        #expect(lines.excerpt(around: 7, column: 1).isEmpty && lines.excerpt(around: 0, column: 1).isEmpty)
        let minified = DocumentLines(Array(("{" + String(repeating: "\"k\":1,", count: 10_000) + "\"bad\":x}").utf8))
        let text = minified.excerpt(around: 1, column: 60_000).first?["text"] as? String ?? ""
        #expect(text.hasPrefix("…") && text.contains("\"bad\"") && text.utf8.count <= DocumentLines.maxWidth + 6)
    }
}

@Suite struct ConsoleFormTargetTests {
    @Test func onlyAnHTTPOriginIsAddedToFormAction() {
        #expect(SecurityHeaders.origin("https://id.example.com:8443/oauth/authorize?x=1") == "https://id.example.com:8443")
        #expect(SecurityHeaders.origin("HTTP://user:pw@Example.com/a") == "http://example.com")
        #expect(SecurityHeaders.origin("javascript:alert(1)") == nil)
        #expect(SecurityHeaders.origin("https://evil.example.com; script-src *") == nil)
        #expect(SecurityHeaders.origin("https://") == nil)
        var fields = HTTPFields()
        SecurityHeaders.apply(to: &fields, settings: ConsoleSettings(), formTargets: ["https://id.example.com/authorize", "data:x"])
        #expect(fields[SecurityHeaders.contentSecurityPolicy]?.contains("form-action 'self' https://id.example.com;") == true)
    }
}
