import HTTPTypes

/// Shorthand so tests read `.get` / `.post` without importing HTTPTypes everywhere.
enum HTTPRequestMethod: Sendable {
    case get, post, patch, delete

    var value: HTTPRequest.Method {
        switch self {
        case .get: .get
        case .post: .post
        case .patch: .patch
        case .delete: .delete
        }
    }
}
