import Foundation
import PatchbayApp
import PatchbayCore
import PatchbayStorage
import PatchbayTestSupport
import Testing

/// `patchbay action run` as users run it: the real binary, a data directory written by the server's own code.
@Suite struct ActionCommandTests {
    @Test func runsAnActionAndReportsByExitCode() async throws {
        let directory = TestDatabase.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let paged = PagedTestAPI()
        try await paged.run { port in
            let secrets = try EncryptionKeyStore.load(environment: [:], dataDirectory: directory)
            let store = try await Store.open(dataDirectory: directory, databaseURL: nil, secrets: secrets, logger: TestDatabase.logger)
            var pagination = APISettings.Pagination(type: .index)
            pagination.resultsKey = "data"
            pagination.indexParam = "offset"
            pagination.pageSizeParam = "limit"
            pagination.defaultPageSize = 50
            var auth = APISettings.Auth(type: .apiKey)
            auth.headerName = "X-Api-Key"
            let api = IntegrationAPI(
                settings: APISettings(baseUrl: "http://127.0.0.1:\(port)", auth: auth, pagination: pagination), definitions: [:], source: nil)
            let list = ActionDefinition(
                name: "List Items", operationId: nil, description: "", method: "GET", path: "/offset",
                parameters: [.init(name: "limit", location: .query, required: false, schema: ["type": "integer"])], requestBody: nil,
                responseSchema: nil, paginated: true)
            let secure = ActionDefinition(
                name: "Secure", operationId: nil, description: "", method: "GET", path: "/secure-key", parameters: [], requestBody: nil,
                responseSchema: nil, paginated: false)
            let (installation, actions) = try await store.driver.withRunning {
                _ = try await Migrator(driver: store.driver).migrate(now: SystemTimeSource().nowMillis)
                return try await ConnectorSeed.install(
                    in: store, api: api, actions: [list, secure], credentials: ConnectorCredentials(apiKey: "key-7f3a9c2e1b"),
                    now: SystemTimeSource().nowMillis)
            }
            let storage = ["--data-dir", directory, "--allow-private-targets"]
            let byName = try await ServerProcess.runAsync(["action", "run", installation.id, "list items", "--paginate"] + storage)
            #expect(byName.status == 0, "\(byName.errors)")
            let result = JSONText.decode(Array(byName.output.utf8))
            #expect(
                result?["pages"] == 2 && result?["results"].flatMap { if case .array(let items) = $0 { items.count } else { nil } } == 95,
                "\(byName.output)")
            let byId = try await ServerProcess.runAsync(["action", "run", installation.id, actions[1].id] + storage)
            #expect(byId.status == 0 && byId.output.contains("\"ok\" : true"), "\(byId.output)\(byId.errors)")
            // Bad input: a usage error before anything runs; a failed validation; an unknown action; the SSRF guard.
            #expect(try await ServerProcess.runAsync(["action", "run", installation.id, "Secure", "--parameters", "[1]"] + storage).status == 64)
            let invalid = try await ServerProcess.runAsync(
                ["action", "run", installation.id, "List Items", "--parameters", #"{"limit": "x", "nope": 1}"#] + storage)
            #expect(
                invalid.status == 2 && invalid.errors.contains("/parameters/limit") && invalid.errors.contains("/parameters/nope"),
                "\(invalid.errors)")
            let unknown = try await ServerProcess.runAsync(["action", "run", installation.id, "Nothing"] + storage)
            #expect(unknown.status == 2 && unknown.errors.contains("was not found"))
            let guarded = try await ServerProcess.runAsync(["action", "run", installation.id, "Secure", "--data-dir", directory])
            #expect(guarded.status == 2 && guarded.errors.contains("refused"), "\(guarded.errors)")
            #expect(paged.requests(to: "/offset").count == 2 && paged.requests(to: "/secure-key").count == 1)
        }
    }
}
