import Hummingbird
import PatchbayCore
import PatchbayServices

/// `GET /v1/organizations/{org}/events`: the outbox, oldest first.
struct EventsController {
    let dependencies: APIDependencies

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("listEvents", list)
    }

    @Sendable func list(_ request: Request, context: PatchbayRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try await dependencies.organization(context.parameters.value("org"), for: principal, scope: .eventsRead)
        let parameters = request.uri.queryParameters
        let order = SortOrder(field: "sequence", descending: false)
        var limit = ListRequest.defaultLimit
        if let text = parameters["limit"] {
            guard let value = Int(String(text)), (1...ListRequest.maxLimit).contains(value) else {
                throw PatchbayError.invalidParameter("limit", "must be an integer from 1 to \(ListRequest.maxLimit)")
            }
            limit = value
        }
        var after: Int64?
        if let text = parameters["cursor"] {
            let cursor = try Cursor.decode(String(text), for: order)
            guard case .integer(let sequence) = cursor.value else {
                throw PatchbayError.invalidParameter("cursor", "is not a cursor this server issued")
            }
            after = sequence
        }
        let type = parameters["type"].map(String.init)
        if let type, type.isEmpty || type.count > 200 { throw PatchbayError.invalidParameter("type", "must be 1 to 200 characters") }
        let result = try await dependencies.services.events.list(
            organizationId: context.parameters.value("org"), includeDescendants: try request.booleanQuery("includeDescendants"), type: type,
            after: after, limit: limit, by: principal)
        let next =
            result.hasMore ? result.events.last.map { Cursor(sort: order.description, value: .integer($0.sequence), id: $0.id).encoded() } : nil
        return try JSONResponse.list(Page(items: result.events, nextCursor: next), request: request)
    }
}
