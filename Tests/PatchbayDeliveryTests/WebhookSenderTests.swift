import Crypto
import Foundation
import PatchbayCore
import PatchbayTestSupport
import Testing

@testable import PatchbayDelivery

/// Resolves every name to the addresses given, as a hostile or misconfigured DNS server could.
struct FixedResolver: HostResolver {
    let addresses: [IPAddress]
    func resolve(_ host: String) async throws -> [IPAddress] { addresses }
}

@Suite struct WebhookSenderTests {
    static let clock = SystemTimeSource()

    static func webhook(url: String, format: Webhook.Format = .json, maxEvents: Int = 1) -> Webhook {
        Webhook(
            id: "wh_1", organizationId: "org_1", integrationId: nil, name: "Test", url: url, eventTypes: [], state: .active, verifyTls: true,
            format: format, maxEventsPerRequest: maxEvents, authorization: .init(scheme: .bearer, token: "receiver-secret-token"),
            headers: ["X-Tenant": "acme"], secret: WebhookSecret.generate(), previousSecret: nil, previousSecretExpiresAt: nil,
            lastTriggeredAt: nil, lastStatus: nil, createdAt: 0, updatedAt: 0
        )
    }

    static let event = Event(
        id: "evt_1", type: "thread.created", organizationId: "org_1", organizationPath: .root("org_1"), actor: .system,
        data: ["title": "Zoë 🚀"], createdAt: 1_795_341_600_000
    )

    /// An independent Standard Webhooks check written against swift-crypto directly, not the signer.
    static func independentlyVerified(_ received: TestReceiver.Received, secret: WebhookSecret) -> Bool {
        guard let id = received.headers["webhook-id"], let timestamp = received.headers["webhook-timestamp"],
            let signature = received.headers["webhook-signature"], signature.hasPrefix("v1,")
        else { return false }
        let message = Data("\(id).\(timestamp).".utf8) + Data(received.body)
        let expected = Data(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret.bytes))).base64EncodedString()
        return signature == "v1,\(expected)"
    }

    @Test func deliversASignedRequestThatVerifiesIndependently() async throws {
        let receiver = TestReceiver()
        try await receiver.run { port in
            let sender = WebhookSender(policy: AddressPolicy(allowPrivateTargets: true), clock: Self.clock)
            let webhook = Self.webhook(url: "http://127.0.0.1:\(port)/ok")
            let request = try WebhookRequest.make(webhook: webhook, events: [Self.event], messageId: "dlv_1", timestamp: 1_795_341_600, now: 0)
            let outcome = await sender.send(request, verifyTls: true)
            await sender.shutdown()
            #expect(outcome.result == .success)
            #expect(outcome.statusCode == 200)
            #expect(outcome.responseBody == #"{"received":true}"#)
            #expect(outcome.requestHeaders["authorization"] == "Bearer ****")
            let received = try #require(receiver.requests(to: "/ok").first)
            #expect(Self.independentlyVerified(received, secret: webhook.secret))
            #expect(received.headers["webhook-id"] == "dlv_1")
            #expect(received.headers["authorization"] == "Bearer receiver-secret-token")
            #expect(received.headers["x-tenant"] == "acme")
            let envelope = try JSONDecoder().decode(JSONValue.self, from: Data(received.body))
            #expect(envelope["type"] == "thread.created" && envelope["action"] == "created" && envelope["data"]?["title"] == "Zoë 🚀")
        }
    }

    @Test func batchesAndFormBodiesAreSignedAsSent() async throws {
        let receiver = TestReceiver()
        try await receiver.run { port in
            let sender = WebhookSender(policy: AddressPolicy(allowPrivateTargets: true), clock: Self.clock)
            let form = Self.webhook(url: "http://127.0.0.1:\(port)/ok", format: .form, maxEvents: 10)
            let request = try WebhookRequest.make(webhook: form, events: [Self.event, Self.event], messageId: "dlv_2", timestamp: 1, now: 0)
            #expect(await sender.send(request, verifyTls: true).result == .success)
            await sender.shutdown()
            let received = try #require(receiver.requests(to: "/ok").first)
            #expect(received.headers["content-type"] == "application/x-www-form-urlencoded")
            #expect(Self.independentlyVerified(received, secret: form.secret))
            let text = String(decoding: received.body, as: UTF8.self)
            let payload = try #require(URLComponents(string: "?" + text)?.queryItems?.first { $0.name == "payload" }?.value)
            let batch = try JSONDecoder().decode(JSONValue.self, from: Data(payload.utf8))
            guard case .array(let events)? = batch["events"] else {
                Issue.record("no events array")
                return
            }
            #expect(events.count == 2)
        }
    }

    @Test func aNameThatResolvesToAPrivateAddressIsRefusedBeforeConnecting() async throws {
        let receiver = TestReceiver()
        try await receiver.run { port in
            let sender = WebhookSender(
                policy: AddressPolicy(allowPrivateTargets: false), resolver: FixedResolver(addresses: [.v4(0x7F00_0001)]), clock: Self.clock
            )
            let request = try WebhookRequest.make(
                webhook: Self.webhook(url: "https://rebinding.example.com:\(port)/ok"), events: [Self.event], messageId: "m", timestamp: 1, now: 0
            )
            let outcome = await sender.send(request, verifyTls: true)
            await sender.shutdown()
            #expect(outcome.result == .error)
            #expect(outcome.error?.contains("resolves to a loopback address") == true, "\(outcome.error ?? "")")
            #expect(outcome.error?.contains("127.0.0.1") == false, "the rule is named, never the internal address")
            #expect(receiver.requests.isEmpty)
        }
    }

    @Test func mixedAnswersAreRefusedWhenAnyAddressIsPrivate() async throws {
        let sender = WebhookSender(
            policy: AddressPolicy(allowPrivateTargets: false),
            resolver: FixedResolver(addresses: [.v4(0x5DB8_D822), .v4(0xA9FE_A9FE)]),
            clock: Self.clock
        )
        let request = try WebhookRequest.make(
            webhook: Self.webhook(url: "https://mixed.example.com/"), events: [Self.event], messageId: "m", timestamp: 1, now: 0)
        let outcome = await sender.send(request, verifyTls: true)
        await sender.shutdown()
        #expect(outcome.error?.contains("link-local") == true, "\(outcome.error ?? "")")
    }

    @Test func connectionsGoToTheCheckedAddress() async throws {
        let receiver = TestReceiver()
        try await receiver.run { port in
            // "receiver.invalid" has no DNS entry: reaching the receiver proves the client used the pinned address.
            let sender = WebhookSender(
                policy: AddressPolicy(allowPrivateTargets: true), resolver: FixedResolver(addresses: [.v4(0x7F00_0001)]), clock: Self.clock
            )
            let request = try WebhookRequest.make(
                webhook: Self.webhook(url: "http://receiver.invalid:\(port)/ok"), events: [Self.event], messageId: "m", timestamp: 1, now: 0
            )
            let outcome = await sender.send(request, verifyTls: true)
            await sender.shutdown()
            #expect(outcome.result == .success, "\(outcome.error ?? "")")
            #expect(receiver.requests(to: "/ok").first?.headers["host"]?.hasPrefix("receiver.invalid") == true)
        }
    }

    @Test func redirectsAreNotFollowedAndFailuresAreClassified() async throws {
        let receiver = TestReceiver()
        try await receiver.run { port in
            let sender = WebhookSender(policy: AddressPolicy(allowPrivateTargets: true), clock: Self.clock)
            // Only the hanging route gets a short deadline, so a busy machine cannot turn the other checks into timeouts.
            var short = WebhookSender.Configuration()
            short.totalTimeout = .seconds(1)
            let impatient = WebhookSender(policy: AddressPolicy(allowPrivateTargets: true), configuration: short, clock: Self.clock)
            func send(_ path: String, with client: WebhookSender? = nil) async throws -> AttemptOutcome {
                let request = try WebhookRequest.make(
                    webhook: Self.webhook(url: "http://127.0.0.1:\(port)\(path)"), events: [Self.event], messageId: "m", timestamp: 1, now: 0
                )
                return await (client ?? sender).send(request, verifyTls: true)
            }
            let redirect = try await send("/redirect")
            #expect(redirect.result == .httpError && redirect.statusCode == 302)
            #expect(receiver.requests(to: "/ok").isEmpty, "the redirect was not followed")
            let failing = try await send("/fail")
            #expect(failing.result == .httpError && failing.statusCode == 503 && failing.retryAfterMillis == 7_000)
            #expect(failing.responseBody == "busy")
            let gone = try await send("/gone")
            #expect(gone.statusCode == 410)
            let slow = try await send("/slow", with: impatient)
            await impatient.shutdown()
            #expect(slow.result == .timeout, "\(slow.error ?? "")")
            let big = try await send("/big")
            #expect(big.result == .success && big.responseBody?.utf8.count == 64 * 1024)
            await sender.shutdown()
        }
        let refused = WebhookSender(policy: AddressPolicy(allowPrivateTargets: true), clock: Self.clock)
        let request = try WebhookRequest.make(
            webhook: Self.webhook(url: "http://127.0.0.1:1/ok"), events: [Self.event], messageId: "m", timestamp: 1, now: 0)
        let outcome = await refused.send(request, verifyTls: true)
        await refused.shutdown()
        #expect(outcome.result == .error && outcome.error != nil)
    }
}

/// Counts look-ups per host, answering loopback for all.
final class CountingResolver: HostResolver, @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]

    func resolve(_ host: String) async throws -> [IPAddress] {
        lock.withLock { counts[host, default: 0] += 1 }
        return [.v4(0x7F00_0001)]
    }

    func count(_ host: String) -> Int { lock.withLock { counts[host] ?? 0 } }
}

@Suite struct CheckedURLCacheTests {
    @Test func aCheckedURLIsResolvedOnceASecondAndAnEvictedClientIsNeverHandedOut() async throws {
        let receiver = TestReceiver()
        try await receiver.run { port in
            let resolver = CountingResolver()
            var configuration = WebhookSender.Configuration()
            configuration.maxCachedClients = 1
            // Long enough that a loaded CI machine's slow first connection cannot outlast it.
            configuration.checkedURLLifetime = .seconds(600)
            let sender = WebhookSender(
                policy: AddressPolicy(allowPrivateTargets: true), resolver: resolver, configuration: configuration, clock: WebhookSenderTests.clock)
            func send(_ host: String) async throws -> AttemptOutcome {
                let request = try WebhookRequest.make(
                    webhook: WebhookSenderTests.webhook(url: "http://\(host):\(port)/ok"), events: [WebhookSenderTests.event], messageId: "m",
                    timestamp: 1, now: 0)
                return await sender.send(request, verifyTls: true)
            }
            #expect(try await send("a.test").result == .success)
            #expect(try await send("a.test").result == .success)
            #expect(resolver.count("a.test") == 1, "the second send within the lifetime reuses the check")
            // Only one client fits: b's evicts a's, and a's cached check goes with it.
            #expect(try await send("b.test").result == .success)
            let again = try await send("a.test")
            #expect(again.result == .success, "\(again.error ?? "")")
            #expect(resolver.count("a.test") == 2)
            await sender.shutdown()
            #expect(receiver.requests(to: "/ok").count == 4)
        }
    }
}
