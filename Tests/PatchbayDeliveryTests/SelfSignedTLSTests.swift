import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOSSL
import PatchbayCore
import Synchronization
import Testing

@testable import PatchbayDelivery

/// `verifyTls: false` must reach an endpoint with a self-signed certificate, and `true` must refuse it, over a real
/// TLS listener on 127.0.0.1.
@Suite struct SelfSignedTLSTests {
    /// A self-signed certificate for `localhost` and 127.0.0.1 (P-256, valid until 2126), made with
    /// `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500`. Test-only.
    static let certificate = """
        -----BEGIN CERTIFICATE-----
        MIIBnDCCAUGgAwIBAgIUHIsCBa0uFhqbBKGLwvmhDlcLIX8wCgYIKoZIzj0EAwIw
        FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMzA5MjkwNloYDzIxMjYxMDMw
        MDkyOTA2WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
        PQMBBwNCAAQKTk/M3gNDlU3i0mZEt2cdeDjyZYaWRmGBNdBIYoCkM6jwtqnmR6Xw
        JnJchVVqGAOHeUxai08CzrLXZ1n+fzOvo28wbTAdBgNVHQ4EFgQUAqw61nb4bixq
        tZCFKjPyV96NmoQwHwYDVR0jBBgwFoAUAqw61nb4bixqtZCFKjPyV96NmoQwDwYD
        VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
        zj0EAwIDSQAwRgIhAMwBwnFdw/67iVJGefR6jO1VDSa9ChnXbNgv1sxk3241AiEA
        uS7ZjZIDYHFRxq0w3iCxF66zZWbzWk4TPVzybXVBi7U=
        -----END CERTIFICATE-----
        """

    static let privateKey = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgh6mfT7mb3msy8n9y
        W6FBmfIlydEnbEyT8MSzIaajsEahRANCAAQKTk/M3gNDlU3i0mZEt2cdeDjyZYaW
        RmGBNdBIYoCkM6jwtqnmR6XwJnJchVVqGAOHeUxai08CzrLXZ1n+fzOv
        -----END PRIVATE KEY-----
        """

    /// Runs an HTTPS receiver with the self-signed certificate for the duration of `body`; counts what it receives.
    static func withTLSReceiver(_ body: @Sendable (Int) async throws -> Void) async throws -> Int {
        let received = Counter()
        let router = Router()
        router.post("/ok") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            received.increment()
            return Response(status: .ok)
        }
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(certificate.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(privateKey.utf8), format: .pem))
        )
        var logger = Logger(label: "patchbay.test.tls")
        logger.logLevel = .critical
        let (ports, ready) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            server: try .tls(.http1(), tlsConfiguration: tls),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in ready.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            try await body(port)
        }
        return received.value
    }

    @Test func verificationOffAcceptsASelfSignedCertificateAndOnRefusesIt() async throws {
        let received = try await Self.withTLSReceiver { port in
            let sender = WebhookSender(policy: AddressPolicy(allowPrivateTargets: true), clock: SystemTimeSource())
            let webhook = WebhookSenderTests.webhook(url: "https://127.0.0.1:\(port)/ok")
            let request = try WebhookRequest.make(webhook: webhook, events: [WebhookSenderTests.event], messageId: "dlv_tls", timestamp: 1, now: 0)
            let verified = await sender.send(request, verifyTls: true)
            let unverified = await sender.send(request, verifyTls: false)
            await sender.shutdown()
            #expect(verified.result == .error && verified.statusCode == nil, "an untrusted certificate is refused: \(verified.error ?? "")")
            #expect(verified.error?.isEmpty == false)
            #expect(unverified.result == .success && unverified.statusCode == 200, "\(unverified.error ?? "")")
        }
        #expect(received == 1, "only the unverified request got through")
    }
}

/// A thread-safe count.
final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}
