import Hummingbird
import Logging
import PatchbayCore
import PatchbayStorage

/// Turns every error into problem+json. Client mistakes keep their status; an unexpected failure becomes a
/// 500 whose body says nothing about the internals (the log has the detail). A method the path does not serve is
/// a 405 with `Allow` (before authentication: which methods a path serves is in the public OpenAPI document).
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = PatchbayRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // The router sets the endpoint path before its middleware runs for a route it matched; nil means no route
        // has this method and path.
        if context.endpointPath == nil, let allowed = APIOperation.allowedMethods(forPath: request.uri.path), !allowed.contains(request.method) {
            let names = allowed.map(\.rawValue).joined(separator: ", ")
            return PatchbayError(.methodNotAllowed, "\(request.method.rawValue) is not served here; this path serves \(names).")
                .problemResponse(instance: request.uri.path, headers: [.allow: names])
        }
        do {
            return try await next(request, context)
        } catch let error as PatchbayError {
            return error.problemResponse(instance: request.uri.path)
        } catch let error as HTTPError {
            return Self.problem(for: error, context: context).problemResponse(instance: request.uri.path)
        } catch StorageError.unavailable(let reason) {
            context.logger.error("database unavailable", metadata: ["pb.reason": "\(reason)"])
            return PatchbayError(.unavailable, "The database is unavailable; try again shortly.")
                .problemResponse(instance: request.uri.path, headers: [.retryAfter: "5"])
        } catch {
            context.logger.error("unexpected failure", metadata: ["pb.error": "\(String(reflecting: error))"])
            return PatchbayError(.internalError, "The server failed to handle this request.").problemResponse(instance: request.uri.path)
        }
    }

    private static func problem(for error: HTTPError, context: Context) -> PatchbayError {
        switch error.status {
        case .notFound where context.endpointPath == nil || context.endpointPath == "NotFound":
            PatchbayError(.routeNotFound, "No route matches this method and path.")
        case .notFound: .notFound("The resource")
        case .methodNotAllowed: PatchbayError(.methodNotAllowed, "This route does not support the method.")
        case .contentTooLarge: PatchbayError(.tooLarge, "The body exceeds the size limit.")
        case .unsupportedMediaType: PatchbayError(.unsupportedMediaType, "Send the body as application/json.")
        case .badRequest: PatchbayError(.malformed, error.body ?? "The request is malformed.")
        case .unauthorized: PatchbayError(.unauthenticated, error.body ?? "A bearer token is required.")
        default:
            PatchbayError(
                PatchbayError.Kind(status: Int(error.status.code), slug: "http-\(error.status.code)", title: error.status.reasonPhrase),
                error.body ?? error.status.reasonPhrase
            )
        }
    }
}
