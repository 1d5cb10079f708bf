import PatchbayCore
import PatchbayStorage

/// Small builders for storage tests.
enum Fixtures {
    static let hostileNames = [
        "Robert'); DROP TABLE organizations;--", "1 OR 1=1", "\" OR \"\"=\"", "%_\\", "$1 $2 ?", "Zoë 🚀 株式会社",
        "<script>alert(1)</script>", "ﷺ", "a\u{202E}b", String(repeating: "長", count: 200),
    ]

    static func organization(_ name: String, parent: Organization? = nil) -> Organization {
        let id = Identifier.make(.organization, nowMillis: 1_000)
        return Organization(
            id: id, name: name, parentId: parent?.id, path: parent?.path.child(id) ?? .root(id), createdAt: 1_000, updatedAt: 1_000
        )
    }

    static func storedOrganization(_ store: Store, parent: Organization? = nil) async throws -> Organization {
        let org = organization("Org", parent: parent)
        try await store.organizations.insert(org, event: event("organization.created", org))
        return org
    }

    static func user(in org: Organization, email: String) -> User {
        User(
            id: Identifier.make(.user, nowMillis: 1_000), organizationId: org.id, name: "Ada", email: email, phone: nil, role: .member,
            kind: .human, integrationId: nil, createdAt: 1_000, updatedAt: 1_000
        )
    }

    static func integration(in org: Organization, bot: Bool) -> (Integration, User) {
        let id = Identifier.make(.integration, nowMillis: 1_000)
        let user = User(
            id: Identifier.make(.user, nowMillis: 1_000), organizationId: org.id, name: "Bot", email: nil, phone: nil, role: .member,
            kind: bot ? .bot : .app, integrationId: id, createdAt: 1_000, updatedAt: 1_000
        )
        let integration = Integration(
            id: id, organizationId: org.id, name: "Bot", description: "", iconSvg: nil, status: .draft, userId: user.id,
            userKind: user.kind, finalizedAt: nil, createdAt: 1_000, updatedAt: 1_000
        )
        return (integration, user)
    }

    static func token(in org: Organization, integration: Integration? = nil) -> AccessToken {
        let secret = TokenSecret.generate()
        return AccessToken(
            id: Identifier.make(.token, nowMillis: 1_000), organizationId: org.id, name: "ci", prefix: secret.prefix,
            secretHash: secret.hash, scopes: [.organizationsRead], isAdmin: false, userId: integration?.userId,
            integrationId: integration?.id, expiresAt: nil, lastUsedAt: nil, revokedAt: nil, createdAt: 1_000, updatedAt: 1_000
        )
    }

    static func webhook(in org: Organization) -> Webhook {
        Webhook(
            id: Identifier.make(.webhook, nowMillis: 1_000), organizationId: org.id, integrationId: nil, name: "W", url: "https://example.com/h",
            eventTypes: [], state: .active, verifyTls: true, format: .json, maxEventsPerRequest: 1, authorization: nil, headers: [:],
            secret: WebhookSecret.generate(), previousSecret: nil, previousSecretExpiresAt: nil, lastTriggeredAt: nil, lastStatus: nil,
            createdAt: 1_000, updatedAt: 1_000
        )
    }

    static func event(_ type: String, _ org: Organization) -> Event {
        event(type, org, in: org)
    }

    static func event(_ type: String, _ subject: some Encodable, in org: Organization) -> Event {
        // Encoding these fixtures cannot fail; a failure here is a test bug worth crashing on.
        try! Event.describing(subject, type: type, organizationId: org.id, organizationPath: org.path, actor: .system, at: 1_000)
    }
}
