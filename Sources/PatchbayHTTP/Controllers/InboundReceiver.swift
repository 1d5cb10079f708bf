import Foundation
import Hummingbird
import PatchbayCore
import PatchbayServices

/// `POST /in/{token}`: what providers post to. The rules are `InboundService`'s; this adapter reads the raw
/// request and applies the per-endpoint rate limit.
struct InboundReceiver {
    let dependencies: APIDependencies
    /// `--inbound-rate-limit`, per endpoint; nil when off.
    let limiter: RateLimiter?

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("receiveInbound", receive)
    }

    @Sendable func receive(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        guard let found = try await dependencies.services.inbound.endpoint(token: context.parameters.value("token")) else {
            throw PatchbayError.notFound("Inbound endpoint")
        }
        guard let limiter else { return try await receive(request, found: found, context: context) }
        let decision = limiter.take(found.inbound.id, now: dependencies.clock.nowMillis)
        return try await RateLimitHeaders.apply(decision, instance: request.uri.path) {
            try await receive(request, found: found, context: context)
        }
    }

    private func receive(_ request: Request, found: InboundLookup.Entry, context: PatchbayRequestContext) async throws -> Response {
        let body = Array(buffer: try await request.collectBody(context: context))
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
        }
        switch try await dependencies.services.inbound.receive(found, headers: headers, body: body) {
        case .received(let receipt): return try JSONResponse.make(receipt)
        case .challenge(let challenge): return try JSONResponse.make(["challenge": challenge])
        }
    }
}
