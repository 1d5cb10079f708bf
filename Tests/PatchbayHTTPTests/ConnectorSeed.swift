import Foundation
import PatchbayCore
import PatchbayStorage

/// Writes a published integration with its API settings and actions, and an installation, straight into a store
/// (for tests that drive the runtime or the CLI without the HTTP API).
enum ConnectorSeed {
    static func install(
        in store: Store, api: IntegrationAPI, actions definitions: [ActionDefinition], credentials: ConnectorCredentials,
        tokens: OAuthTokens? = nil, now: Int64
    ) async throws -> (Installation, [Action]) {
        let orgId = Identifier.make(.organization, nowMillis: now)
        let organization = Organization(id: orgId, name: "Org", parentId: nil, path: .root(orgId), createdAt: now, updatedAt: now)
        try await store.organizations.insert(organization, event: try event("organization.created", organization, organization, now))
        let integrationId = Identifier.make(.integration, nowMillis: now)
        let user = User(
            id: Identifier.make(.user, nowMillis: now), organizationId: orgId, name: "App", email: nil, phone: nil, role: .member, kind: .app,
            integrationId: integrationId, createdAt: now, updatedAt: now)
        let integration = Integration(
            id: integrationId, organizationId: orgId, name: "App", description: "", iconSvg: nil, status: .published, userId: user.id,
            userKind: .app, finalizedAt: now, createdAt: now, updatedAt: now)
        let actions = definitions.map {
            Action(id: Identifier.make(.action, nowMillis: now), integrationId: integrationId, definition: $0, createdAt: now, updatedAt: now)
        }
        try await store.actions.insertImported(
            integration, user: user, event: try event("integration.created", integration, organization, now), api: api, actions: actions)
        let installation = Installation(
            id: Identifier.make(.installation, nowMillis: now), integrationId: integrationId, organizationId: orgId, state: .ready, createdAt: now,
            updatedAt: now)
        try await store.installations.insert(
            installation, credentials: credentials, tokens: tokens, event: try event("integration.installed", installation, organization, now))
        return (installation, actions)
    }

    static func event(_ type: String, _ subject: some Encodable, _ organization: Organization, _ now: Int64) throws -> Event {
        try Event.describing(subject, type: type, organizationId: organization.id, organizationPath: organization.path, actor: .system, at: now)
    }
}
