import HTTPTypes
import Hummingbird
import PatchbayCore

/// Limits each token to `--rate-limit` requests a second (bursts of twice that); admin tokens are exempt. Every
/// limited response carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`; a refused one is a 429
/// with `Retry-After`. Runs after authentication, so the bucket is the token's, whatever address it comes from.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = PatchbayRequestContext
    let limiter: RateLimiter
    let clock: any TimeSource

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let principal = context.principal, !principal.isAdmin, let key = principal.tokenId else {
            return try await next(request, context)
        }
        let decision = limiter.take(key, now: clock.nowMillis)
        return try await RateLimitHeaders.apply(decision, instance: request.uri.path) { try await next(request, context) }
    }
}

/// The headers of a rate-limit decision, on the answer and on the refusal alike.
enum RateLimitHeaders {
    /// A 429 when `decision` refuses, else the response of `answer` (errors rendered here, so they carry the
    /// headers too).
    static func apply(_ decision: TokenBucket.Decision, instance: String, _ answer: () async throws -> Response) async throws -> Response {
        var response: Response
        if !decision.allowed {
            response = PatchbayError(
                .tooManyRequests, "More than \(decision.limit) requests a second; retry after \(decision.retryAfterSeconds) s.",
                retryAfterSeconds: decision.retryAfterSeconds
            ).problemResponse(instance: instance)
        } else {
            do {
                response = try await answer()
            } catch let error as PatchbayError {
                response = error.problemResponse(instance: instance)
            }
        }
        response.headers[.rateLimitLimit] = String(decision.limit)
        response.headers[.rateLimitRemaining] = String(decision.remaining)
        response.headers[.rateLimitReset] = String(decision.resetSeconds)
        return response
    }
}

extension HTTPField.Name {
    static var rateLimitLimit: Self { Self("RateLimit-Limit")! }
    static var rateLimitRemaining: Self { Self("RateLimit-Remaining")! }
    static var rateLimitReset: Self { Self("RateLimit-Reset")! }
}
