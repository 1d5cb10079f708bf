import PatchbayTestSupport
import Testing

@Suite struct SQLiteEndToEndTests {
    @Test(
        arguments: E2ECase.tokens + E2ECase.resources + E2ECase.hostile + E2ECase.events + E2ECase.webhooks + E2ECase.fanOut + E2ECase.connectors
            + E2ECase.connectorRuntime + E2ECase.connectorOAuth + E2ECase.inbound + E2ECase.hostileNumbers + E2ECase.admission
            + E2ECase.leastPrivilege + E2ECase.retention + E2ECase.slashCommands + E2ECase.console + E2ECase.consoleBuilder)
    func endToEnd(_ e2eCase: E2ECase) async throws {
        try await e2eCase.run(on: .sqlite)
    }
}

@Suite(.enabled(if: TestDatabase.postgresURL != nil, "PostgreSQL tests skipped: PATCHBAY_TEST_DATABASE_URL is not set"))
struct PostgresEndToEndTests {
    @Test(
        arguments: E2ECase.tokens + E2ECase.resources + E2ECase.hostile + E2ECase.events + E2ECase.webhooks + E2ECase.fanOut + E2ECase.connectors
            + E2ECase.connectorRuntime + E2ECase.connectorOAuth + E2ECase.inbound + E2ECase.hostileNumbers + E2ECase.admission
            + E2ECase.leastPrivilege + E2ECase.retention + E2ECase.slashCommands + E2ECase.console + E2ECase.consoleBuilder)
    func endToEnd(_ e2eCase: E2ECase) async throws {
        try await e2eCase.run(on: .postgres)
    }
}
