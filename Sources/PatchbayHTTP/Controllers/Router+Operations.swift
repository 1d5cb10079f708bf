import Hummingbird
import PatchbayCore

typealias Handler = @Sendable (Request, PatchbayRequestContext) async throws -> Response

extension Router where Context == PatchbayRequestContext {
    /// Serves `handler` for the catalog operation with this identifier (a typo fails at start-up, not at run time).
    @discardableResult
    func serve(_ operationId: String, _ handler: @escaping Handler) -> Self {
        guard let operation = APIOperation.all.first(where: { $0.id == operationId }) else {
            preconditionFailure("operation \(operationId) is not in APIOperation.all")
        }
        return on(RouterPath(operation.routerPath), method: operation.method) { request, context in
            try await handler(request, context)
        }
    }
}

extension Request {
    /// Parses `limit`, `cursor`, `search` and `sort`; 422 naming the parameter when one is off.
    func listRequest(sortable: [String]) throws -> ListRequest {
        let parameters = uri.queryParameters
        var request = ListRequest()
        request.sort = try SortOrder.parse(parameters["sort"].map(String.init), allowed: sortable)
        if let limit = parameters["limit"] {
            guard let value = Int(String(limit)), (1...ListRequest.maxLimit).contains(value) else {
                throw PatchbayError.invalidParameter("limit", "must be an integer from 1 to \(ListRequest.maxLimit)")
            }
            request.limit = value
        }
        if let cursor = parameters["cursor"] { request.cursor = try Cursor.decode(String(cursor), for: request.sort) }
        if let search = parameters["search"] {
            guard search.count <= 200 else { throw PatchbayError.invalidParameter("search", "must be at most 200 characters") }
            request.search = String(search)
        }
        return request
    }

    func booleanQuery(_ name: String) throws -> Bool {
        guard let value = uri.queryParameters[Substring(name)] else { return false }
        switch value.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw PatchbayError.invalidParameter(name, "must be true or false")
        }
    }
}

extension Parameters {
    /// A path parameter; the router guarantees its presence for the routes that declare it.
    func value(_ name: String) -> String { self.get(name) ?? "" }
}
