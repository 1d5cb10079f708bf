import Foundation
import NIOCore
import PatchbayCore
import PatchbayDelivery

/// Sends a request through the guarded client and retries what is worth retrying: network failures and 429, 502,
/// 503 and 504 answers (and 500 for token requests), honouring `Retry-After` up to a cap, else exponential backoff
/// with jitter.
struct RetryingCaller: Sendable {
    let client: GuardedHTTPClient
    let configuration: ConnectorConfiguration

    struct Outcome: Sendable {
        var response: OutboundResponse
        var attempts: Int
    }

    static let retryableStatuses: Set<Int> = [429, 502, 503, 504]

    func call(_ request: OutboundRequest, retry: Bool, alsoRetry: Set<Int> = []) async throws -> Outcome {
        var attempt = 0
        while true {
            attempt += 1
            let canRetry = retry && attempt < configuration.maxAttempts
            let response: OutboundResponse
            do {
                response = try await client.execute(request, timeout: configuration.timeout, maxResponseBytes: configuration.maxResponseBytes)
            } catch let error as DeliveryError {
                switch error {
                case .forbiddenTarget(let reason), .invalidURL(let reason):
                    throw PatchbayError(.validation, "The request to \(Self.origin(of: request.url)) was refused: \(reason).")
                case .resolution:
                    guard canRetry else { throw PatchbayError(.badGateway, error.description) }
                }
                try await sleep(delay(after: attempt, retryAfter: nil))
                continue
            } catch {
                try Task.checkCancellation()
                guard canRetry else {
                    if GuardedHTTPClient.isTimeout(error) {
                        throw PatchbayError(.gatewayTimeout, "\(Self.origin(of: request.url)) did not answer in time.")
                    }
                    throw PatchbayError(.badGateway, "\(Self.origin(of: request.url)) failed: \(GuardedHTTPClient.describe(error))")
                }
                try await sleep(delay(after: attempt, retryAfter: nil))
                continue
            }
            if response.truncated {
                throw PatchbayError(
                    .badGateway, "\(Self.origin(of: request.url)) answered more than \(configuration.maxResponseBytes) bytes; the run was stopped.")
            }
            if canRetry, Self.retryableStatuses.contains(response.status) || alsoRetry.contains(response.status) {
                let retryAfter = response.header("retry-after").flatMap {
                    RetryPolicy.retryAfterMillis($0, now: Int64(Date().timeIntervalSince1970 * 1000))
                }
                if let retryAfter, retryAfter > configuration.maxRetryAfterMillis { return Outcome(response: response, attempts: attempt) }
                try await sleep(delay(after: attempt, retryAfter: retryAfter))
                continue
            }
            return Outcome(response: response, attempts: attempt)
        }
    }

    private func delay(after attempt: Int, retryAfter: Int64?) -> Int64 {
        let base = Double(configuration.backoffMillis) * pow(2, Double(attempt - 1))
        let jittered = Int64(base * Double.random(in: 0.8...1.2))
        return max(jittered, retryAfter ?? 0)
    }

    private func sleep(_ millis: Int64) async throws {
        try await Task.sleep(for: .milliseconds(millis))
    }

    /// Scheme, host and port only: paths and queries may carry secrets (an API key in the query).
    static func origin(of url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return "the API" }
        return "\(components.scheme ?? "https")://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }
}
