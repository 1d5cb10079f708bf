import Foundation
import HTTPTypes
import Hummingbird
import PatchbayCore
import PatchbayDelivery
import PatchbayServices

/// Endpoint integrations (Turn-style): an integration that is a single URL. Its events go to that URL through a
/// webhook owned by the integration (so retries, history and secret rotation are the webhooks'), and
/// `POST …/integrations/{int}/call` sends a payload there and answers with the endpoint's JSON.
struct EndpointIntegrations {
    let dependencies: APIDependencies

    struct CallBody: RequestBody {
        static let fields: Set<String> = ["payload", "timeoutMs"]
        var payload: JSONValue
        /// How long to wait for the endpoint: 100 ms to 30 s (10 s by default).
        var timeoutMs: Int?
    }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("callIntegration", call)
    }

    /// `POST …/integrations/{int}/call` `{payload}`: the endpoint's JSON answer, as it gave it.
    @Sendable func call(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .actionsRun)
        let integration = try await dependencies.integration(context, in: organization)
        let body = try await request.decode(CallBody.self, context: context)
        let answer = try await dependencies.services.integrations.call(
            integration.id, payload: body.payload, timeoutMillis: body.timeoutMs, organizationId: organization.id, by: principal)
        var headers: HTTPFields = [:]
        headers[.endpointStatus] = String(answer.status)
        headers[.endpointDuration] = String(answer.durationMs)
        headers[.endpointMessageId] = answer.messageId
        guard !answer.body.isEmpty else { return Response(status: .noContent, headers: headers) }
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}

extension HTTPField.Name {
    static var endpointStatus: Self { Self("Patchbay-Endpoint-Status")! }
    static var endpointDuration: Self { Self("Patchbay-Endpoint-Duration-Ms")! }
    static var endpointMessageId: Self { Self("Patchbay-Message-Id")! }
}
