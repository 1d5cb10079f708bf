import Foundation
import PatchbayApp
import PatchbayCore
import PatchbayStorage
import PatchbayTestSupport
import Testing

/// The run endpoint finds the action and the API through the installation, in the same round as the installation
/// itself: the join must keep another integration's action and settings out of reach.
@Suite struct ActionLookupThroughInstallationTests {
    @Test func anInstallationReachesOnlyItsOwnIntegrationsActionAndAPI() async throws {
        let directory = TestDatabase.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let secrets = try EncryptionKeyStore.load(environment: [:], dataDirectory: directory)
        let store = try await Store.open(dataDirectory: directory, databaseURL: nil, secrets: secrets, logger: TestDatabase.logger)
        @Sendable func api(_ host: String) -> IntegrationAPI {
            IntegrationAPI(
                settings: APISettings(baseUrl: "https://\(host)", auth: .init(type: .apiKey), pagination: .init(type: .none)),
                definitions: ["Item": ["type": "object"]], source: nil)
        }
        let action = ActionDefinition(
            name: "Get", operationId: nil, description: "", method: "GET", path: "/get", parameters: [], requestBody: nil, responseSchema: nil,
            paginated: false)
        try await store.driver.withRunning {
            let now = SystemTimeSource().nowMillis
            _ = try await Migrator(driver: store.driver).migrate(now: now)
            let (first, firstActions) = try await ConnectorSeed.install(
                in: store, api: api("one.example.com"), actions: [action], credentials: .init(), now: now)
            let (second, secondActions) = try await ConnectorSeed.install(
                in: store, api: api("two.example.com"), actions: [action], credentials: .init(), now: now)
            #expect(try await store.actions.find(id: firstActions[0].id, installationId: first.id)?.id == firstActions[0].id)
            #expect(try await store.actions.find(id: secondActions[0].id, installationId: first.id) == nil, "another integration's action")
            #expect(try await store.actions.find(id: firstActions[0].id, installationId: "ins_missing") == nil)
            #expect(try await store.actions.api(installationId: first.id)?.settings.baseUrl == "https://one.example.com")
            #expect(try await store.actions.api(installationId: second.id)?.settings.baseUrl == "https://two.example.com")
            #expect(try await store.actions.api(installationId: "ins_missing") == nil)
        }
    }
}
