/// An integration installed into an organization (its own or a descendant). The integration's webhooks receive
/// the events of every organization it is installed in; its actions run there with the installation's credentials.
public struct Installation: Sendable, Equatable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case ready
        case authorizationRequired = "authorization_required"
        case reauthorizationRequired = "reauthorization_required"
    }

    public var id: String
    public var integrationId: String
    public var organizationId: String
    public var state: State
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(id: String, integrationId: String, organizationId: String, state: State, createdAt: Int64, updatedAt: Int64) {
        self.id = id
        self.integrationId = integrationId
        self.organizationId = organizationId
        self.state = state
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
