import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import PatchbayCore
import Synchronization

/// What one attempt did, as stored in the delivery history.
public struct AttemptOutcome: Sendable {
    public typealias Result = DeliveryAttempt.Result

    public var result: Result
    public var statusCode: Int?
    public var sentAt: Int64
    public var durationMs: Int
    public var url: String
    public var requestHeaders: [String: String]
    public var requestBody: String
    public var responseHeaders: [String: String]
    public var responseBody: String?
    public var error: String?
    /// The receiver's `Retry-After`, as a delay.
    public var retryAfterMillis: Int64?
    /// Which secrets signed the request (`current`, `previous`).
    public var signedWith: [String] = ["current"]

    /// The history record of this outcome.
    public func attempt(deliveryId: String) -> DeliveryAttempt {
        DeliveryAttempt(
            id: Identifier.make(.attempt, nowMillis: sentAt), deliveryId: deliveryId, sentAt: sentAt, url: url, statusCode: statusCode,
            result: result, durationMs: durationMs, requestHeaders: requestHeaders, requestBody: requestBody, responseHeaders: responseHeaders,
            responseBody: responseBody, error: error, signedWith: signedWith
        )
    }
}

/// Sends webhook requests through the guarded client and turns every outcome into a history record.
public final class WebhookSender: Sendable {
    public struct Configuration: Sendable {
        public var connectTimeout: TimeAmount = .seconds(5)
        public var totalTimeout: TimeAmount = .seconds(15)
        /// Response bodies are stored up to this size.
        public var maxResponseBytes = 64 * 1024
        public var maxCachedClients = 256
        public var checkedURLLifetime: Duration = .seconds(1)

        public init() {}
    }

    /// Shared with the connectors runtime, so every outbound call passes the same SSRF guard.
    public let client: GuardedHTTPClient
    private let configuration: Configuration
    private let clock: any TimeSource

    public init(
        policy: AddressPolicy, resolver: any HostResolver = SystemHostResolver(), configuration: Configuration = .init(), clock: any TimeSource
    ) {
        var clientConfiguration = GuardedHTTPClient.Configuration()
        clientConfiguration.connectTimeout = configuration.connectTimeout
        clientConfiguration.maxCachedClients = configuration.maxCachedClients
        clientConfiguration.checkedURLLifetime = configuration.checkedURLLifetime
        self.client = GuardedHTTPClient(policy: policy, resolver: resolver, configuration: clientConfiguration)
        self.configuration = configuration
        self.clock = clock
    }

    /// Closes every pooled connection.
    public func shutdown() async { await client.shutdown() }

    /// Sends `request`; never throws: every failure becomes an outcome to record.
    public func send(_ request: WebhookRequest, verifyTls: Bool) async -> AttemptOutcome {
        let sentAt = clock.nowMillis
        let start = ContinuousClock.now
        var outcome = AttemptOutcome(
            result: .error, statusCode: nil, sentAt: sentAt, durationMs: 0, url: request.url, requestHeaders: request.recordedHeaders,
            requestBody: String(decoding: request.body, as: UTF8.self), responseHeaders: [:], responseBody: nil, error: nil, retryAfterMillis: nil,
            signedWith: request.signedWith
        )
        do {
            let outbound = OutboundRequest(
                method: "POST", url: request.url, headers: request.headers.map { OutboundRequest.Header($0.0, $0.1) }, body: request.body)
            let response = try await client.execute(
                outbound, timeout: configuration.totalTimeout, maxResponseBytes: configuration.maxResponseBytes, verifyTls: verifyTls)
            outcome.statusCode = response.status
            outcome.responseHeaders = response.headerDictionary
            outcome.retryAfterMillis = outcome.responseHeaders["retry-after"].flatMap { RetryPolicy.retryAfterMillis($0, now: sentAt) }
            outcome.responseBody = String(decoding: response.body, as: UTF8.self)
            outcome.result = (200..<300).contains(response.status) ? .success : .httpError
        } catch let error as DeliveryError {
            outcome.error = error.description
        } catch  where GuardedHTTPClient.isTimeout(error) {
            outcome.result = .timeout
            outcome.error = "timed out (\(error))"
        } catch {
            outcome.error = GuardedHTTPClient.describe(error)
        }
        let elapsed = ContinuousClock.now - start
        outcome.durationMs = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        return outcome
    }
}
