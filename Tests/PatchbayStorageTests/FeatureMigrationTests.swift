import Foundation
import PatchbayCore
import PatchbayStorage
import PatchbayTestSupport
import Testing

/// Migration 16 gives integrations made before features existed the features they already use.
@Suite struct FeatureMigrationTests {
    @Test(arguments: StoreKind.allCases)
    func existingIntegrationsGetTheFeaturesTheyUse(kind: StoreKind) async throws {
        if kind == .postgres, TestDatabase.postgresURL == nil { return }
        let (store, cleanup) = try await TestDatabase.openStore(kind)
        do {
            try await migrate(store)
        } catch {
            await cleanup()
            throw error
        }
        await cleanup()
    }

    func migrate(_ store: Store) async throws {
        try await store.driver.withRunning {
            let before = Migrations.all.filter { $0.version < 16 }
            try await Migrator(driver: store.driver, migrations: before).migrate(now: 1)
            let org = Fixtures.organization("Old")
            _ = try await store.driver.query(
                "INSERT INTO organizations (id, name, parent_id, path, search_text, created_at, updated_at) VALUES (\(org.id), 'Old', NULL, \(org.path.value), 'old', 1, 1)"
            )
            for (id, name) in [("int_hooks", "Hooks"), ("int_inbound", "Inbound"), ("int_actions", "Actions"), ("int_plain", "Plain")] {
                _ = try await store.driver.query(
                    """
                    INSERT INTO integrations (id, organization_id, name, description, status, user_id, user_kind, search_text, created_at, updated_at)
                    VALUES (\(id), \(org.id), \(name), '', 'draft', \("usr_" + id), 'app', '', 1, 1)
                    """)
            }
            var webhook = Fixtures.webhook(in: org)
            webhook.integrationId = "int_hooks"
            try await store.webhooks.insert(webhook)
            _ = try await store.driver.query(
                """
                INSERT INTO inbound_webhooks (id, organization_id, integration_id, name, event_type, url_token, url_token_hash, verification_scheme,
                                              verification, active, actor, search_text, created_at, updated_at)
                VALUES ('inb_old', \(org.id), 'int_inbound', 'In', 'x.y', 'token', 'hash', 'none', '{}', 1, '{"type":"inbound"}', '', 1, 1)
                """)
            _ = try await store.driver.query(
                "INSERT INTO integration_apis (integration_id, settings, definitions, updated_at) VALUES ('int_actions', '{}', '{}', 1)")

            // Migration 16 and every later one apply.
            #expect(try await Migrator(driver: store.driver).migrate(now: 2).first == 16)
            let tenant = Tenant(organizationId: org.id)
            #expect(try await store.integrations.find(id: "int_hooks", in: tenant)?.features == [.outboundWebhooks])
            #expect(try await store.integrations.find(id: "int_inbound", in: tenant)?.features == [.inboundWebhooks])
            #expect(try await store.integrations.find(id: "int_actions", in: tenant)?.features == [.actions])
            #expect(try await store.integrations.find(id: "int_plain", in: tenant)?.features == [])
        }
    }
}
