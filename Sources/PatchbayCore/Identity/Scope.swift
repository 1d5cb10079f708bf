/// What a token may do. `*` grants every scope (within the token's organizations).
public enum Scope: String, Sendable, CaseIterable, Codable {
    case all = "*"
    case organizationsRead = "organizations:read"
    case organizationsWrite = "organizations:write"
    case tokensWrite = "tokens:write"
    case integrationsRead = "integrations:read"
    case integrationsWrite = "integrations:write"
    case eventsRead = "events:read"
    case eventsWrite = "events:write"
    case webhooksRead = "webhooks:read"
    case webhooksWrite = "webhooks:write"
    case actionsRun = "actions:run"

    /// A write scope implies reading the same resource, as users of GitHub's token scopes expect.
    public var implied: [Scope] {
        switch self {
        case .organizationsWrite: [.organizationsRead]
        case .integrationsWrite: [.integrationsRead]
        case .eventsWrite: [.eventsRead]
        case .webhooksWrite: [.webhooksRead]
        default: []
        }
    }
}

extension Set where Element == Scope {
    /// Whether this set grants `scope`, directly, by `*` or by implication.
    public func grants(_ scope: Scope) -> Bool {
        contains(.all) || contains(scope) || contains { $0.implied.contains(scope) }
    }

    /// Whether every scope in `other` is granted by this set (a token cannot mint a stronger one).
    public func covers(_ other: Set<Scope>) -> Bool {
        if contains(.all) { return true }
        if other.contains(.all) { return false }
        return other.allSatisfy { grants($0) }
    }
}
