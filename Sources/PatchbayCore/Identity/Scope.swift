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

extension Scope {
    /// What an integration token holds when its creator names no scopes: enough to publish and read events, manage
    /// its own webhooks and run its actions, and nothing of the organization's.
    public static let integrationDefaults: [Scope] = [.eventsRead, .eventsWrite, .webhooksRead, .webhooksWrite, .actionsRun]

    /// Scopes an integration token never holds: it cannot mint tokens, change the organization, or hold everything.
    public static let neverForIntegrations: Set<Scope> = [.all, .tokensWrite, .organizationsWrite]

    /// What a stored integration token may actually use: tokens made before least privilege held `*` (they get the
    /// defaults) or a scope it can no longer hold (dropped).
    public static func usableByIntegration(_ stored: [Scope]) -> [Scope] {
        if stored.contains(.all) { return integrationDefaults }
        return stored.filter { !neverForIntegrations.contains($0) }
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
