import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PatchbayCore
import PatchbayTestSupport
import Synchronization
import Testing

/// A number as a hostile client or third party writes it: in text (a header, a query) and as a JSON token.
struct HostileNumber: Sendable, CustomStringConvertible {
    var text: String
    var json: String
    /// The whole number it is, when it is one that fits in 64 bits.
    var integer: Int64?
    var description: String { json }

    static let hundredDigits = "1" + String(repeating: "0", count: 99)
    static let all: [HostileNumber] = [
        HostileNumber(text: "-9223372036854775808", json: "-9223372036854775808", integer: .min),
        HostileNumber(text: "9223372036854775807", json: "9223372036854775807", integer: .max),
        HostileNumber(text: "9223372036854775808", json: "9223372036854775808", integer: nil),
        HostileNumber(text: "1e300", json: "1e300", integer: nil),
        HostileNumber(text: "-1e300", json: "-1e300", integer: nil),
        HostileNumber(text: "-1", json: "-1", integer: -1),
        HostileNumber(text: "1.5", json: "1.5", integer: nil),
        HostileNumber(text: "1e3", json: #""1e3""#, integer: nil),
        HostileNumber(text: "", json: #""""#, integer: nil),
        HostileNumber(text: hundredDigits, json: hundredDigits, integer: nil),
        HostileNumber(text: "-" + hundredDigits, json: "-" + hundredDigits, integer: nil),
    ]
}

/// A third party that answers with whatever number the test sets: an OAuth token endpoint (`expires_in`), a
/// cursor-paginated list, and an endpoint that asks to be retried after `Retry-After`.
final class HostileNumberAPI: Sendable {
    private let current = Mutex<HostileNumber>(HostileNumber.all[0])

    func answer(with number: HostileNumber) { current.withLock { $0 = number } }

    func run<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/token") { _, _ in
            Self.json(#"{"access_token":"at-1","token_type":"bearer","expires_in":\#(self.current.withLock { $0.json })}"#, .ok)
        }
        router.get("/items") { request, _ in
            // The first page carries the hostile cursor; the page it leads to is empty, which ends the loop.
            if request.uri.queryParameters["after"] != nil { return Self.json(#"{"results":[]}"#, .ok) }
            return Self.json(#"{"results":[{"id":1},{"id":2}],"meta":{"next":\#(self.current.withLock { $0.json })}}"#, .ok)
        }
        router.get("/busy") { _, _ in
            Response(status: .tooManyRequests, headers: [HTTPField.Name("Retry-After")!: self.current.withLock { $0.text }])
        }
        return try await TestHTTPServer.run(router: router, body)
    }

    private static func json(_ text: String, _ status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

extension E2ECase {
    /// Every place a number arrives from outside, tried with every hostile number: each answer is the documented
    /// one (a 4xx with a pointer, or a run failure naming the third party's mistake) and the server stays up.
    static let hostileNumbers: [E2ECase] = [
        E2ECase("hostile timestamps in inbound signature headers are refused with 401, not trapped") { api, clock in
            _ = try await api.admin(.post, "/v1/event-types", ["name": "hostile.inbound"])
            let org = try await api.organization()
            let secret = WebhookSecret.generate().encoded
            let standard = try await api.inbound(
                in: org, ["name": "sw", "eventType": "hostile.inbound", "verification": ["scheme": "standard-webhooks", "secret": .string(secret)]])
            let stripe = try await api.inbound(
                in: org, ["name": "stripe", "eventType": "hostile.inbound", "verification": ["scheme": "stripe", "secret": "whsec_s"]])
            let slack = try await api.inbound(
                in: org, ["name": "slack", "eventType": "hostile.inbound", "verification": ["scheme": "slack", "secret": "slack-s"]])
            let body = Array(#"{"n":1}"#.utf8)
            let now = clock.nowMillis / 1000
            for number in HostileNumber.all {
                let signed = ProviderSigner.standard(body, secret: secret, id: "msg_hostile", at: now)
                var headers = signed
                headers["webhook-timestamp"] = number.text
                let answers = [
                    try await api.post(standard.path, bytes: body, headers: headers),
                    try await api.post(stripe.path, bytes: body, headers: ["Stripe-Signature": "t=\(number.text),v1=00"]),
                    try await api.post(
                        slack.path, bytes: body, headers: ["X-Slack-Request-Timestamp": number.text, "X-Slack-Signature": "v0=00"]),
                ]
                for response in answers {
                    #expect(response.status == 401, "\(number): \(response.status) \(response.text.prefix(200))")
                }
                try await expectAlive(api)
            }
        },
        E2ECase("hostile numbers in query parameters are 422 naming the parameter") { api, _ in
            let org = try await api.organization()
            for number in HostileNumber.all {
                let query = number.text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                for path in ["/v1/organizations?limit=\(query)", "/v1/organizations/\(org)/events?limit=\(query)"] {
                    let response = try await api.admin(.get, path)
                    #expect(response.status == 422, "\(path): \(response.status)")
                    #expect(response.json["errors"]?[0]?["parameter"] == "limit", "\(path)")
                }
                let cursor = try await api.admin(.get, "/v1/organizations?cursor=\(query)")
                #expect(cursor.status == 422 && cursor.json["errors"]?[0]?["parameter"] == "cursor", "\(number): \(cursor.text.prefix(200))")
                try await expectAlive(api)
            }
        },
        E2ECase("hostile numbers in request bodies are 422 with a pointer") { api, _ in
            let org = try await api.organization()
            for number in HostileNumber.all {
                let token = try await api.call(
                    .post, "/v1/organizations/\(org)/tokens", token: api.adminToken, json: #"{"name":"t","expiresIn":\#(number.json)}"#)
                #expect(token.status == 422 && token.json["errors"]?[0]?["pointer"] == "/expiresIn", "\(number): \(token.text.prefix(200))")
                let webhook = try await api.call(
                    .post, "/v1/organizations/\(org)/webhooks", token: api.adminToken,
                    json: #"{"name":"w","url":"https://hooks.example.com/x","maxEventsPerRequest":\#(number.json)}"#)
                #expect(
                    webhook.status == 422 && webhook.json["errors"]?[0]?["pointer"] == "/maxEventsPerRequest",
                    "\(number): \(webhook.text.prefix(200))")
                try await expectAlive(api)
            }
        },
        E2ECase("hostile schema bounds register or are refused with a pointer, and examples stay small") { api, _ in
            for (offset, number) in HostileNumber.all.enumerated() {
                for keyword in ["minItems", "minLength", "maxLength", "minimum", "maximum"] {
                    let type = keyword.hasSuffix("Items") ? "array" : keyword.hasSuffix("Length") ? "string" : "integer"
                    let name = "hostile.\(keyword.lowercased()).n\(offset)"
                    let response = try await api.call(
                        .post, "/v1/event-types", token: api.adminToken,
                        json: #"{"name":"\#(name)","schema":{"type":"\#(type)","\#(keyword)":\#(number.json)}}"#)
                    let isCount = keyword.hasPrefix("min") && !keyword.hasSuffix("imum") || keyword == "maxLength"
                    let valid: Bool =
                        if isCount { (number.integer ?? -1) >= 0 } else { number.json.first != "\"" }
                    if valid {
                        #expect(response.status == 201, "\(keyword) \(number): \(response.status) \(response.text.prefix(200))")
                        #expect(response.text.utf8.count < 16_384, "the generated example stays small")
                    } else {
                        #expect(response.status == 422, "\(keyword) \(number): \(response.status) \(response.text.prefix(200))")
                        #expect(response.json["errors"]?[0]?["pointer"] == .string("/schema/\(keyword)"), "\(keyword) \(number)")
                    }
                }
                try await expectAlive(api)
            }
        },
        E2ECase("hostile numbers from a third party are run failures (502) or results, never a crash", configure: connectorConfiguration) { api, _ in
            let third = HostileNumberAPI()
            try await third.run { port in
                let base = "http://127.0.0.1:\(port)"
                let oauth = try await api.connector(
                    api: [
                        "baseUrl": .string(base),
                        "auth": ["type": "oauth2", "grantType": "client_credentials", "tokenUrl": .string(base + "/token")],
                        "pagination": ["type": "none"],
                    ],
                    actions: [getAction("Busy", "/busy")], credentials: ["clientId": "c", "clientSecret": "s"])
                let paged = try await api.connector(
                    api: [
                        "baseUrl": .string(base), "auth": ["type": "none"],
                        "pagination": ["type": "pointer", "resultsKey": "results", "afterParam": "after", "pointerPath": "$.meta.next"],
                    ],
                    actions: [getAction("Items", "/items", paginated: true)])
                for number in HostileNumber.all {
                    third.answer(with: number)
                    // A fresh installation each time, so every number reaches the token request.
                    let installed = try await api.admin(
                        .post, "/v1/organizations/\(oauth.organization)/integrations/\(oauth.integration)/installations",
                        [
                            "organizationId": .string(try await api.organization("Child", parent: oauth.organization)),
                            "credentials": ["clientId": "c", "clientSecret": "s"],
                        ])
                    try #require(installed.status == 201, "\(installed.text)")
                    var fixture = oauth
                    fixture.installation = try #require(installed.json["id"]?.string)
                    fixture.organization = try #require(installed.json["organizationId"]?.string)
                    let lifetimeOK: Bool =
                        if let seconds = number.integer { (0...OAuthProtocol.maximumLifetimeSeconds).contains(seconds) } else { number.text == "1.5" }
                    let run = try await api.run(fixture, "Busy")
                    if lifetimeOK {
                        // The token is taken; the API's own 429 (with its hostile Retry-After) is the run's result.
                        #expect(run.status == 200 && run.json["status"] == 429, "expires_in \(number): \(run.status) \(run.text.prefix(300))")
                    } else {
                        #expect(run.status == 502 && run.text.contains("expires_in"), "expires_in \(number): \(run.status) \(run.text.prefix(300))")
                    }

                    let cursorOK: Bool = number.integer != nil || number.json.first == "\""
                    let pages = try await api.run(paged, "Items", ["paginate": true])
                    if cursorOK {
                        // The cursor is followed (an empty string is no cursor at all).
                        let followed = number.text.isEmpty ? "no next link or cursor" : "empty page"
                        #expect(pages.status == 200 && pages.json["results"]?.array.count == 2, "cursor \(number): \(pages.text.prefix(300))")
                        #expect(pages.json["stopReason"] == .string(followed), "cursor \(number): \(pages.text.prefix(300))")
                    } else {
                        #expect(pages.status == 502 && pages.text.contains("cursor"), "cursor \(number): \(pages.status) \(pages.text.prefix(300))")
                    }
                    try await expectAlive(api)
                }
            }
        },
    ]

    static func expectAlive(_ api: APIClient) async throws {
        let health = try await api.call(.get, "/v1/health")
        #expect(health.status == 200, "the server keeps serving")
    }
}
