/// Who caused a change; recorded in every event envelope.
public struct Actor: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case admin
        case user
        case integration
        case token
        /// An inbound endpoint not acting as an integration; `id` is the endpoint.
        case inbound
    }

    public var type: Kind
    /// The user, integration or token identifier; nil for the admin token from the environment.
    public var id: String?
    /// The integration user, when `type` is `integration`.
    public var userId: String?
    /// The access token that made the call.
    public var tokenId: String?

    public init(type: Kind, id: String? = nil, userId: String? = nil, tokenId: String? = nil) {
        self.type = type
        self.id = id
        self.userId = userId
        self.tokenId = tokenId
    }

    public static let system = Actor(type: .admin)
}
