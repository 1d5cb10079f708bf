import Crypto
import Foundation
import PatchbayCore
import PatchbayTestSupport
import Testing

/// Signs requests the way each provider documents it, with code independent of Patchbay's.
enum ProviderSigner {
    static func hmac(_ key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// GitHub: `X-Hub-Signature-256: sha256=<hex HMAC of the body>`.
    static func github(_ body: [UInt8], secret: String, delivery: String = UUID().uuidString) -> [String: String] {
        [
            "Content-Type": "application/json", "X-GitHub-Event": "issues", "X-GitHub-Delivery": delivery,
            "X-Hub-Signature-256": "sha256=" + hex(hmac(Array(secret.utf8), body)),
        ]
    }

    /// Stripe: `Stripe-Signature: t=<ts>,v1=<hex HMAC of "ts.body">`.
    static func stripe(_ body: [UInt8], secret: String, at timestamp: Int64) -> [String: String] {
        [
            "Content-Type": "application/json",
            "Stripe-Signature": "t=\(timestamp),v1=" + hex(hmac(Array(secret.utf8), Array("\(timestamp).".utf8) + body)),
        ]
    }

    /// Slack: `X-Slack-Signature: v0=<hex HMAC of "v0:ts:body">` with `X-Slack-Request-Timestamp`.
    static func slack(_ body: [UInt8], secret: String, at timestamp: Int64) -> [String: String] {
        [
            "Content-Type": "application/json", "X-Slack-Request-Timestamp": String(timestamp),
            "X-Slack-Signature": "v0=" + hex(hmac(Array(secret.utf8), Array("v0:\(timestamp):".utf8) + body)),
        ]
    }

    /// Standard Webhooks: `webhook-signature: v1,<base64 HMAC of "id.ts.body">` keyed by the secret's base64 part.
    static func standard(_ body: [UInt8], secret: String, id: String, at timestamp: Int64) -> [String: String] {
        let key = Array(Data(base64Encoded: String(secret.dropFirst("whsec_".count))) ?? Data())
        let signature = Data(hmac(key, Array("\(id).\(timestamp).".utf8) + body)).base64EncodedString()
        return ["Content-Type": "application/json", "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": "v1,\(signature)"]
    }
}

extension APIClient {
    /// Creates an inbound endpoint in `org` and returns its id, its `/in/…` path and the whole response.
    func inbound(in org: String, _ body: JSONValue) async throws -> (id: String, path: String, json: JSONValue) {
        let response = try await admin(.post, "/v1/organizations/\(org)/inbound-webhooks", body)
        try #require(response.status == 201, "\(response.text)")
        return (try #require(response.json["id"]?.string), try #require(response.json["url"]?.string), response.json)
    }

    func inboundRequests(_ org: String, _ id: String, query: String = "") async throws -> [JSONValue] {
        try await admin(.get, "/v1/organizations/\(org)/inbound-webhooks/\(id)/requests\(query)").json["data"]?.array ?? []
    }
}

extension E2ECase {
    static let inbound: [E2ECase] = [
        E2ECase("each provider's signature is verified on the raw body; refusals store nothing but a count") { api, clock in
            _ = try await api.admin(.post, "/v1/event-types", ["name": "provider.event"])
            let org = try await api.organization()
            let now = clock.nowMillis / 1000
            let body = Array(#"{"id":"evt_1","action":"opened","n":1}"#.utf8)
            let tampered = Array(#"{"id":"evt_1","action":"opened","n":2}"#.utf8)
            struct Provider {
                var verification: JSONValue
                var sign: @Sendable ([UInt8]) -> [String: String]
                var wrong: [String: String]
                var stale: [String: String]?
            }
            let standardSecret = WebhookSecret.generate().encoded
            let otherStandard = WebhookSecret.generate().encoded
            let basic = "Basic " + Data("acme:s3cret".utf8).base64EncodedString()
            let providers: [String: Provider] = [
                "github": Provider(
                    verification: ["scheme": "github", "secret": "gh-secret"], sign: { ProviderSigner.github($0, secret: "gh-secret") },
                    wrong: ProviderSigner.github(body, secret: "not-it"), stale: nil),
                "stripe": Provider(
                    verification: ["scheme": "stripe", "secret": "whsec_stripe"],
                    sign: { ProviderSigner.stripe($0, secret: "whsec_stripe", at: now) },
                    wrong: ProviderSigner.stripe(body, secret: "whsec_other", at: now),
                    stale: ProviderSigner.stripe(body, secret: "whsec_stripe", at: now - 301)),
                "slack": Provider(
                    verification: ["scheme": "slack", "secret": "slack-signing"],
                    sign: { ProviderSigner.slack($0, secret: "slack-signing", at: now) },
                    wrong: ProviderSigner.slack(body, secret: "nope", at: now),
                    stale: ProviderSigner.slack(body, secret: "slack-signing", at: now + 301)),
                "standard-webhooks": Provider(
                    verification: ["scheme": "standard-webhooks", "secret": .string(standardSecret)],
                    sign: { ProviderSigner.standard($0, secret: standardSecret, id: "msg_\(UUID().uuidString)", at: now) },
                    wrong: ProviderSigner.standard(body, secret: otherStandard, id: "msg_w", at: now),
                    stale: ProviderSigner.standard(body, secret: standardSecret, id: "msg_s", at: now - 600)),
                "hmac-sha256 hex": Provider(
                    verification: ["scheme": "hmac-sha256", "secret": "k1", "header": "X-Signature"],
                    sign: { ["X-Signature": ProviderSigner.hex(ProviderSigner.hmac(Array("k1".utf8), $0)), "Content-Type": "application/json"] },
                    wrong: ["X-Signature": ProviderSigner.hex(ProviderSigner.hmac(Array("k2".utf8), body))], stale: nil),
                "hmac-sha256 base64": Provider(
                    verification: ["scheme": "hmac-sha256", "secret": "k1", "header": "X-Shopify-Hmac-Sha256", "encoding": "base64"],
                    sign: { ["X-Shopify-Hmac-Sha256": Data(ProviderSigner.hmac(Array("k1".utf8), $0)).base64EncodedString()] },
                    wrong: ["X-Shopify-Hmac-Sha256": ProviderSigner.hex(ProviderSigner.hmac(Array("k1".utf8), body))], stale: nil),
                "basic": Provider(
                    verification: ["scheme": "basic", "username": "acme", "password": "s3cret"], sign: { _ in ["Authorization": basic] },
                    wrong: ["Authorization": "Basic " + Data("acme:guess".utf8).base64EncodedString()], stale: nil),
                "header": Provider(
                    verification: ["scheme": "header", "header": "X-Api-Key", "secret": "key-0123456789"],
                    sign: { _ in ["X-Api-Key": "key-0123456789"] },
                    wrong: ["X-Api-Key": "key-0123456788"], stale: nil),
            ]
            for (name, provider) in providers.sorted(by: { $0.key < $1.key }) {
                let (id, path, created) = try await api.inbound(
                    in: org, ["name": .string(name), "eventType": "provider.event", "verification": provider.verification])
                #expect(path.hasPrefix("/in/") && path.count == 36 && created["verification"]?["secretSet"] == true, "\(name)")
                #expect(created["secret"] == nil, "a given secret is not echoed")
                let accepted = try await api.post(path, bytes: body, headers: provider.sign(body))
                #expect(accepted.status == 200, "\(name): \(accepted.text)")
                let eventId = try #require(accepted.json["eventId"]?.string, "\(name)")
                #expect(accepted.json["duplicate"] == false)
                var refusals = 0
                // Basic and header schemes check credentials, not the body: there is nothing to tamper with.
                let signsBody = !["basic", "header"].contains(name)
                for (what, headers) in [("tampered", provider.sign(body)), ("wrong secret", provider.wrong), ("missing", [:])]
                where what != "tampered" || signsBody {
                    let refused = try await api.post(path, bytes: what == "tampered" ? tampered : body, headers: headers)
                    #expect(refused.status == 401, "\(name) \(what): \(refused.text)")
                    #expect(refused.header("Content-Type") == "application/problem+json")
                    refusals += 1
                }
                if let stale = provider.stale {
                    let refused = try await api.post(path, bytes: body, headers: stale)
                    #expect(refused.status == 401 && refused.json["detail"]?.string?.contains("tolerance") == true, "\(name): \(refused.text)")
                    refusals += 1
                }
                let stored = try await api.inboundRequests(org, id)
                #expect(stored.count == 1, "\(name): only the accepted request is kept")
                #expect(stored.first?["verdict"] == "verified" && stored.first?["eventId"] == .string(eventId))
                #expect(stored.first?["body"] == .string(String(decoding: body, as: UTF8.self)) && stored.first?["bodyEncoding"] == "utf8")
                let endpoint = try await api.admin(.get, "/v1/organizations/\(org)/inbound-webhooks/\(id)")
                #expect(endpoint.json["stats"]?["accepted"] == 1 && endpoint.json["stats"]?["rejected"] == .int(Int64(refusals)), "\(name)")
                #expect(endpoint.json["stats"]?["lastRejection"]?.string != nil)
                let event = try #require(
                    try await api.admin(.get, "/v1/organizations/\(org)/events?type=provider.event").json["data"]?.array.first {
                        $0["id"] == .string(eventId)
                    })
                #expect(event["data"] == ["id": "evt_1", "action": "opened", "n": 1])
                #expect(event["actor"]?["type"] == "inbound" && event["actor"]?["id"] == .string(id))
            }
            // Credentials are masked in the history.
            let basicEndpoint = try #require(
                try await api.admin(.get, "/v1/organizations/\(org)/inbound-webhooks?search=basic").json["data"]?[0]?["id"]?.string)
            #expect(try await api.inboundRequests(org, basicEndpoint).first?["headers"]?["authorization"] == "****")
            let headerEndpoint = try #require(
                try await api.admin(.get, "/v1/organizations/\(org)/inbound-webhooks?search=header").json["data"]?[0]?["id"]?.string)
            #expect(try await api.inboundRequests(org, headerEndpoint).first?["headers"]?["x-api-key"] == "****")
            // `none` checks nothing and says so.
            let (openId, openPath, _) = try await api.inbound(in: org, ["name": "open", "eventType": "provider.event"])
            #expect(try await api.post(openPath, bytes: body, headers: ["Content-Type": "application/json"]).status == 200)
            #expect(try await api.inboundRequests(org, openId).first?["verdict"] == "unverified")
        },
        E2ECase("a redelivery is accepted once: webhook-id, X-GitHub-Delivery, the Stripe event id") { api, clock in
            _ = try await api.admin(.post, "/v1/event-types", ["name": "provider.event"])
            let org = try await api.organization()
            let now = clock.nowMillis / 1000
            let body = Array(#"{"id":"evt_stripe_1","type":"invoice.paid"}"#.utf8)
            let standardSecret = WebhookSecret.generate().encoded
            let cases: [(JSONValue, @Sendable (Int) -> [String: String])] = [
                (
                    ["scheme": "github", "secret": "s"],
                    { _ in ProviderSigner.github(body, secret: "s", delivery: "72d3162e-cc78-11e3-81ab-4c9367dc0958") }
                ),
                // Stripe signs each retry anew; the event id in the body is what repeats.
                (["scheme": "stripe", "secret": "s"], { attempt in ProviderSigner.stripe(body, secret: "s", at: now - Int64(attempt)) }),
                (
                    ["scheme": "standard-webhooks", "secret": .string(standardSecret)],
                    { attempt in
                        ProviderSigner.standard(body, secret: standardSecret, id: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", at: now + Int64(attempt))
                    }
                ),
            ]
            for (verification, sign) in cases {
                let (id, path, _) = try await api.inbound(in: org, ["name": "dup", "eventType": "provider.event", "verification": verification])
                let first = try await api.post(path, bytes: body, headers: sign(0))
                let second = try await api.post(path, bytes: body, headers: sign(1))
                #expect(first.status == 200 && second.status == 200, "\(second.text)")
                #expect(first.json["duplicate"] == false && second.json["duplicate"] == true)
                #expect(second.json["eventId"] == first.json["eventId"] && second.json["id"] == first.json["id"])
                let stored = try await api.inboundRequests(org, id)
                #expect(stored.count == 1 && stored.first?["deliveryId"]?.string != nil, "\(verification)")
                let stats = try await api.admin(.get, "/v1/organizations/\(org)/inbound-webhooks/\(id)").json["stats"]
                #expect(stats?["accepted"] == 1 && stats?["duplicates"] == 1)
            }
            let events = try await api.admin(.get, "/v1/organizations/\(org)/events?type=provider.event").json["data"]?.array ?? []
            #expect(events.count == 3, "one event per delivery, not per request")
        },
        E2ECase(
            "concurrent requests share transactions: a delivery sent 20 times at once is stored once, 30 others each once", heavy: true,
            configure: { _ in }
        ) { api, _ in
            _ = try await api.admin(.post, "/v1/event-types", ["name": "provider.event"])
            let org = try await api.organization()
            let (id, path, _) = try await api.inbound(
                in: org, ["name": "burst", "eventType": "provider.event", "verification": ["scheme": "github", "secret": "s"]])
            let repeated = Array(#"{"id":"same"}"#.utf8)
            let answers = try await withThrowingTaskGroup(of: APIResponse.self) { group in
                for number in 0..<50 {
                    group.addTask {
                        if number < 20 {
                            return try await api.post(path, bytes: repeated, headers: ProviderSigner.github(repeated, secret: "s", delivery: "d-1"))
                        }
                        let body = Array(#"{"n":\#(number)}"#.utf8)
                        return try await api.post(path, bytes: body, headers: ProviderSigner.github(body, secret: "s", delivery: "d-\(number)"))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0.status == 200 }, "\(answers.map(\.text))")
            let firsts = answers.filter { $0.json["duplicate"] == false }
            #expect(firsts.count == 31, "one for the repeated delivery, one for each other")
            let repeatedIds = Set(answers.filter { $0.json["duplicate"] == true }.map { $0.json["eventId"] })
            #expect(
                repeatedIds.count == 1 && answers.filter { $0.json["duplicate"] == true }.count == 19,
                "\(answers.filter { $0.json["duplicate"] == true }.map(\.text))")
            let stored = try await api.inboundRequests(org, id, query: "?limit=100")
            #expect(stored.count == 31 && Set(stored.compactMap { $0["deliveryId"]?.string }).count == 31)
            let events = try await api.admin(.get, "/v1/organizations/\(org)/events?type=provider.event&limit=100").json["data"]?.array ?? []
            #expect(events.count == 31)
            let stats = try await api.admin(.get, "/v1/organizations/\(org)/inbound-webhooks/\(id)").json["stats"]
            #expect(stats?["accepted"] == 31 && stats?["duplicates"] == 19)
        },
        E2ECase(
            "bodies: Slack's challenge is answered, forms are read, oversized get 413, unreadable and off-schema are kept as invalid",
            configure: { $0.maxBodyBytes = 4096 }
        ) { api, clock in
            let schema: JSONValue = ["type": "object", "required": ["title"], "properties": ["title": ["type": "string", "maxLength": 20]]]
            _ = try await api.admin(.post, "/v1/event-types", ["name": "ticket.opened", "schema": schema])
            let org = try await api.organization()
            let now = clock.nowMillis / 1000
            let (slackId, slackPath, _) = try await api.inbound(
                in: org, ["name": "slack", "eventType": "ticket.opened", "verification": ["scheme": "slack", "secret": "sk"]])
            let challenge = Array(#"{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#.utf8)
            let answered = try await api.post(slackPath, bytes: challenge, headers: ProviderSigner.slack(challenge, secret: "sk", at: now))
            #expect(answered.status == 200 && answered.json["challenge"] == "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
            #expect(try await api.inboundRequests(org, slackId).isEmpty, "the challenge is not an event")
            let unsigned = try await api.post(slackPath, bytes: challenge, headers: ["Content-Type": "application/json"])
            #expect(unsigned.status == 401, "the challenge is verified too")

            let (id, path, _) = try await api.inbound(
                in: org, ["name": "forms", "eventType": "ticket.opened", "verification": ["scheme": "github", "secret": "g"]])
            // GitHub's form content type: one `payload` field holding the JSON.
            let form = Array("payload=%7B%22title%22%3A%22Printer%20on%20fire%22%7D".utf8)
            var headers = ProviderSigner.github(form, secret: "g")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            let accepted = try await api.post(path, bytes: form, headers: headers)
            #expect(accepted.status == 200, "\(accepted.text)")
            let eventId = try #require(accepted.json["eventId"]?.string)
            let events = try await api.admin(.get, "/v1/organizations/\(org)/events?type=ticket.opened").json["data"]?.array ?? []
            #expect(events.first { $0["id"] == .string(eventId) }?["data"] == ["title": "Printer on fire"])

            let large = Array(#"{"title":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: 5000) + Array(#""}"#.utf8)
            let tooLarge = try await api.post(path, bytes: large, headers: ProviderSigner.github(large, secret: "g"))
            #expect(tooLarge.status == 413 && tooLarge.header("Content-Type") == "application/problem+json")

            let garbled = Array("{\"title\": ".utf8) + [0xFF, 0x00, 0x01]
            let unreadable = try await api.post(path, bytes: garbled, headers: ProviderSigner.github(garbled, secret: "g"))
            #expect(unreadable.status == 400, "\(unreadable.text)")
            let offSchema = Array(#"{"title":"This title is far longer than twenty"}"#.utf8)
            let refused = try await api.post(path, bytes: offSchema, headers: ProviderSigner.github(offSchema, secret: "g"))
            #expect(refused.status == 422 && refused.json["errors"]?[0]?["pointer"] == "/title", "\(refused.text)")
            let array = Array("[1,2]".utf8)
            #expect(try await api.post(path, bytes: array, headers: ProviderSigner.github(array, secret: "g")).status == 422)

            let kept = try await api.inboundRequests(org, id, query: "?verdict=invalid")
            #expect(kept.count == 3, "verified but unusable requests are kept for inspection")
            let binary = try #require(kept.first { $0["bodyEncoding"] == "base64" })
            #expect(binary["body"] == .string(Data(garbled).base64EncodedString()))
            #expect(kept.allSatisfy { $0["eventId"] == .null && !($0["problems"]?.array.isEmpty ?? true) })
            let stats = try await api.admin(.get, "/v1/organizations/\(org)/inbound-webhooks/\(id)").json["stats"]
            #expect(stats?["accepted"] == 1 && stats?["rejected"] == 0)
            #expect((try await api.admin(.get, "/v1/organizations/\(org)/events?type=ticket.opened").json["data"]?.array ?? []).count == 1)
        },
        E2ECase("endpoint integrations are validated with pointers and may not point at private addresses") { api, _ in
            let org = try await api.organization()
            let path = "/v1/organizations/\(org)/integrations"
            for (endpoint, pointer) in [
                ([:], "/endpoint/url"),
                (["url": "http://turn.example.com/context"], "/endpoint/url"),
                (["url": "https://127.0.0.1/context"], "/endpoint/url"),
                (["url": "https://169.254.169.254/latest/meta-data"], "/endpoint/url"),
                (["url": 5], "/endpoint/url"),
                (["url": "https://turn.example.com", "authorization": ["scheme": "Basic", "token": "t"]], "/endpoint/authorization/scheme"),
                (["url": "https://turn.example.com", "authorization": ["scheme": "Bearer"]], "/endpoint/authorization/token"),
                (["url": "https://turn.example.com", "authorization": ["scheme": "Token", "token": "a b"]], "/endpoint/authorization/token"),
                (["url": "https://turn.example.com", "authorization": "Bearer t"], "/endpoint/authorization"),
                (["url": "https://turn.example.com", "retries": 3], "/endpoint/retries"),
                (["url": "https://turn.example.com", "verifyTls": "no"], "/endpoint/verifyTls"),
                ("https://turn.example.com", "/endpoint"),
            ] as [(JSONValue, String)] {
                let refused = try await api.admin(.post, path, ["name": "Context", "endpoint": endpoint])
                #expect(refused.status == 422, "\(endpoint): \(refused.text)")
                #expect(refused.json["errors"]?[0]?["pointer"] == .string(pointer), "\(refused.text)")
            }
            #expect(try await api.admin(.get, path).json["data"]?.array.isEmpty == true, "nothing was created")
            #expect(try await api.admin(.get, "/v1/organizations/\(org)/webhooks").json["data"]?.array.isEmpty == true)
            // Offline, the handshake fails; the integration is created all the same, its webhook failing.
            let created = try await api.admin(.post, path, ["name": "Context", "endpoint": ["url": "https://turn.example.com/context"]])
            #expect(created.status == 201 && created.json["handshake"]?["ok"] == false, "\(created.text)")
            let id = try #require(created.json["id"]?.string)
            let webhookId = try #require(created.json["endpoint"]?["webhookId"]?.string)
            let webhook = try await api.admin(.get, "/v1/organizations/\(org)/webhooks/\(webhookId)")
            #expect(webhook.json["state"] == "failing" && webhook.json["integrationId"] == .string(id) && webhook.json["eventTypes"] == [])
            #expect(
                try await api.admin(.patch, "\(path)/\(id)", ["endpoint": ["url": "https://10.0.0.8/"]]).json["errors"]?[0]?["pointer"]
                    == "/endpoint/url")
            let plain = try await api.admin(.post, path, ["name": "Plain"])
            let plainId = try #require(plain.json["id"]?.string)
            #expect(try await api.admin(.patch, "\(path)/\(plainId)", ["endpoint": ["url": "https://x.example.com"]]).status == 422)
            // Deleting the integration deletes the webhook that carried its events.
            let deleted = try await api.admin(.delete, "\(path)/\(id)")
            #expect(deleted.status == 204, "\(deleted.text)")
            #expect(try await api.admin(.get, "/v1/organizations/\(org)/webhooks/\(webhookId)").status == 404)
        },
        E2ECase("inbound endpoints are validated with pointers, keep secrets sealed, and are isolated by organization") { api, _ in
            _ = try await api.admin(.post, "/v1/event-types", ["name": "provider.event"])
            let org = try await api.organization()
            let other = try await api.organization()
            let foreign = try await api.admin(.post, "/v1/organizations/\(other)/integrations", ["name": "Elsewhere"])
            let foreignId = try #require(foreign.json["id"]?.string)
            let path = "/v1/organizations/\(org)/inbound-webhooks"
            for (body, pointer) in [
                (["eventType": "provider.event"], "/name"),
                (["name": "x", "eventType": "nope.nothing"], "/eventType"),
                (["name": "x", "eventType": "user.created"], "/eventType"),
                (["name": "x", "eventType": "provider.event", "verification": ["scheme": "md5"]], "/verification/scheme"),
                (["name": "x", "eventType": "provider.event", "verification": [:]], "/verification/scheme"),
                (["name": "x", "eventType": "provider.event", "verification": ["scheme": "github"]], "/verification/secret"),
                (
                    ["name": "x", "eventType": "provider.event", "verification": ["scheme": "github", "secret": "s", "salt": "x"]],
                    "/verification/salt"
                ),
                (["name": "x", "eventType": "provider.event", "verification": ["scheme": "hmac-sha256", "secret": "s"]], "/verification/header"),
                (
                    [
                        "name": "x", "eventType": "provider.event",
                        "verification": ["scheme": "hmac-sha256", "secret": "s", "header": "X-Sig", "encoding": "b32"],
                    ],
                    "/verification/encoding"
                ),
                (
                    ["name": "x", "eventType": "provider.event", "verification": ["scheme": "header", "header": "Bad Name", "secret": "s"]],
                    "/verification/header"
                ),
                (
                    ["name": "x", "eventType": "provider.event", "verification": ["scheme": "basic", "username": "a:b", "password": "p"]],
                    "/verification/username"
                ),
                (
                    ["name": "x", "eventType": "provider.event", "verification": ["scheme": "standard-webhooks", "secret": "plain"]],
                    "/verification/secret"
                ),
                (["name": "x", "eventType": "provider.event", "verification": ["scheme": "github", "secret": 12]], "/verification/secret"),
                (["name": "x", "eventType": "provider.event", "integrationId": .string(foreignId)], "/integrationId"),
                (["name": "x", "eventType": "provider.event", "secret": "top-level"], "/secret"),
            ] as [(JSONValue, String)] {
                let refused = try await api.admin(.post, path, body)
                #expect(refused.status == 422, "\(body): \(refused.text)")
                #expect(refused.json["errors"]?[0]?["pointer"] == .string(pointer), "\(refused.text)")
            }
            #expect(try await api.admin(.post, path, nil).status == 400)
            #expect(try await api.call(.post, path, token: api.adminToken, json: "name=x", contentType: "text/plain").status == 415)
            #expect(try await api.admin(.get, path).json["data"]?.array.isEmpty == true, "nothing was created")

            // A generated Standard Webhooks secret is shown once; nothing secret is stored in the clear.
            let (id, url, created) = try await api.inbound(
                in: org, ["name": "Billing", "eventType": "provider.event", "verification": ["scheme": "standard-webhooks"]])
            let secret = try #require(created["secret"]?.string)
            #expect(WebhookSecret(secret) != nil && id.hasPrefix("inb_"))
            let fetched = try await api.admin(.get, "\(path)/\(id)")
            #expect(fetched.json["secret"] == nil && !fetched.text.contains(secret.dropFirst(6)) && fetched.json["url"] == .string(url))
            let row = try #require(try await api.store.driver.query("SELECT * FROM inbound_webhooks WHERE id = \(id)").first)
            #expect(try !row.string("verification").contains(secret.dropFirst(6)), "the verification secret is sealed")
            #expect(try !row.string("url_token").contains(url.dropFirst(4)), "the URL token is sealed (found by its hash)")

            let stranger = try await api.token(in: other)
            #expect(try await api.send(.get, "\(path)/\(id)", token: stranger).status == 404)
            #expect(try await api.send(.get, "\(path)/\(id)/requests", token: stranger).status == 404)
            let reader = try await api.token(in: org, scopes: ["webhooks:read"])
            #expect(try await api.send(.get, "\(path)/\(id)", token: reader).status == 200)
            #expect(try await api.send(.delete, "\(path)/\(id)", token: reader).status == 403)

            // Unknown, malformed, paused and deleted URLs all answer 404 alike.
            let body = Array("{}".utf8)
            let signed = ProviderSigner.standard(body, secret: secret, id: "msg_1", at: SystemTimeSource().nowMillis / 1000)
            #expect(try await api.post("/in/" + String(repeating: "A", count: 32), bytes: body, headers: signed).status == 404)
            #expect(try await api.post("/in/short", bytes: body, headers: signed).status == 404)
            let paused = try await api.admin(.patch, "\(path)/\(id)", ["active": false, "name": "Billing (paused)"])
            #expect(paused.status == 200 && paused.json["active"] == false && paused.json["url"] == .string(url))
            #expect(try await api.post(url, bytes: body, headers: signed).status == 404)
            _ = try await api.admin(.patch, "\(path)/\(id)", ["active": true])
            #expect(try await api.post(url, bytes: body, headers: signed).status == 200)
            // A new verification applies at once: the old signature no longer passes.
            let rekeyed = try await api.admin(
                .patch, "\(path)/\(id)", ["verification": ["scheme": "header", "header": "X-Token", "secret": "tok-0123456789"]])
            #expect(rekeyed.status == 200 && rekeyed.json["verification"]?["scheme"] == "header", "\(rekeyed.text)")
            #expect(try await api.post(url, bytes: body, headers: signed).status == 401)
            #expect(try await api.post(url, bytes: body, headers: ["X-Token": "tok-0123456789", "Idempotency-Key": "k-1"]).status == 200)
            let found = try await api.inboundRequests(org, id, query: "?search=k-1")
            #expect(found.count == 1 && found.first?["deliveryId"] == "k-1", "the history is searchable by delivery id")
            #expect(try await api.admin(.get, "\(path)/\(id)/requests?verdict=maybe").status == 422)
            #expect(try await api.admin(.patch, "\(path)/\(id)", ["verification": ["scheme": "stripe"]]).status == 422)
            let deleted = try await api.admin(.delete, "\(path)/\(id)")
            #expect(deleted.status == 204, "\(deleted.text)")
            #expect(try await api.post(url, bytes: body, headers: signed).status == 404)
            #expect(try await api.admin(.get, "\(path)/\(id)").status == 404)
        },
    ]
}
