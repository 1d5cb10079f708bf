import Foundation
import PatchbayApp
import PatchbayCore
import PatchbayStorage
import PatchbayTestSupport
import Testing

@testable import PatchbayServices

/// The principal cache saves the token query on every authenticated request; these tests show what it may never do:
/// keep a revoked or expired token working longer than the epoch poll, or store what it read before a revocation.
@Suite struct PrincipalCacheTests {
    /// A token row in an organization, made through the repositories as another instance would.
    static func seed(_ store: Store, clock: ManualTimeSource, expiresAt: Int64? = nil) async throws -> (String, AccessToken, Organization) {
        let id = Identifier.make(.organization, nowMillis: clock.nowMillis)
        let organization = Organization(id: id, name: "Org", parentId: nil, path: .root(id), createdAt: clock.nowMillis, updatedAt: clock.nowMillis)
        try await store.organizations.insert(
            organization, event: try Event.describing(organization, type: "organization.created", in: organization, by: .admin(tokenId: nil), at: 1))
        let secret = TokenSecret.generate()
        let token = AccessToken(
            id: Identifier.make(.token, nowMillis: clock.nowMillis), organizationId: organization.id, name: "ci", prefix: secret.prefix,
            secretHash: secret.hash, scopes: [.organizationsRead], isAdmin: false, userId: nil, integrationId: nil, expiresAt: expiresAt,
            lastUsedAt: nil, revokedAt: nil, createdAt: clock.nowMillis, updatedAt: clock.nowMillis)
        try await store.tokens.insert(token)
        return (secret.token, token, organization)
    }

    static func withStore(_ kind: StoreKind, _ body: @Sendable (Store, ManualTimeSource) async throws -> Void) async throws {
        if kind == .postgres, TestDatabase.postgresURL == nil {
            #expect(!TestDatabase.isCI, "CI must run the PostgreSQL tests")
            return
        }
        let (store, cleanup) = try await TestDatabase.openStore(kind)
        let clock = ManualTimeSource(nowMillis: SystemTimeSource().nowMillis)
        do {
            try await store.driver.withRunning {
                _ = try await Migrator(driver: store.driver).migrate(now: clock.nowMillis)
                try await body(store, clock)
            }
        } catch {
            await cleanup()
            throw error
        }
        await cleanup()
    }

    static func rejects(_ authentication: Authentication, _ secret: String, _ detail: String) async {
        do {
            _ = try await authentication.principal(forSecret: secret)
            Issue.record("the token was accepted")
        } catch let error as PatchbayError {
            #expect(error.detail == detail)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test(arguments: [StoreKind.sqlite, .postgres])
    func aRevocationElsewhereHoldsUntilTheEpochIsReadAndNoLonger(kind: StoreKind) async throws {
        try await Self.withStore(kind) { store, clock in
            let (secret, token, organization) = try await Self.seed(store, clock: clock)
            let cache = PrincipalCache()
            let authentication = Authentication(store: store, clock: clock, environmentAdminToken: nil, cache: cache)
            cache.observe(epoch: try await store.tokens.authenticationEpoch())
            let before = try await store.tokens.authenticationEpoch()

            let principal = try await authentication.principal(forSecret: secret)
            #expect(principal.organizationId == organization.id && principal.tokenId == token.id)
            #expect(cache.count == 1)

            // Another instance revokes it: the database's epoch moves in the same statement.
            _ = try await store.tokens.revoke(id: token.id, organizationId: organization.id, now: clock.nowMillis)
            let after = try await store.tokens.authenticationEpoch()
            #expect(after > before)
            // Until this instance reads the epoch, it answers from the cache (which is the point: no query).
            #expect(try await authentication.principal(forSecret: secret).tokenId == token.id)
            cache.observe(epoch: after)
            #expect(cache.count == 0)
            await Self.rejects(authentication, secret, "The token has been revoked.")
            // A rename is no change to the principal and leaves the epoch alone.
            _ = try await store.tokens.rename(id: token.id, organizationId: organization.id, name: "other", now: clock.nowMillis)
            #expect(try await store.tokens.authenticationEpoch() == after)
        }
    }

    @Test(arguments: [StoreKind.sqlite, .postgres])
    func deletionsThatTakeTokensWithThemMoveTheEpoch(kind: StoreKind) async throws {
        try await Self.withStore(kind) { store, clock in
            let (_, _, organization) = try await Self.seed(store, clock: clock)
            let user = User(
                id: Identifier.make(.user, nowMillis: clock.nowMillis), organizationId: organization.id, name: "Ada", email: "ada@example.com",
                phone: nil, role: .member, kind: .human, integrationId: nil, createdAt: clock.nowMillis, updatedAt: clock.nowMillis)
            try await store.users.insert(
                user, event: try Event.describing(user, type: "user.created", in: organization, by: .admin(tokenId: nil), at: 1))
            let secret = TokenSecret.generate()
            try await store.tokens.insert(
                AccessToken(
                    id: Identifier.make(.token, nowMillis: clock.nowMillis), organizationId: organization.id, name: "ada", prefix: secret.prefix,
                    secretHash: secret.hash, scopes: [.organizationsRead], isAdmin: false, userId: user.id, integrationId: nil, expiresAt: nil,
                    lastUsedAt: nil, revokedAt: nil, createdAt: clock.nowMillis, updatedAt: clock.nowMillis))

            // The user's token goes by the foreign key's cascade, which fires the trigger too.
            let beforeUser = try await store.tokens.authenticationEpoch()
            #expect(
                try await store.users.delete(
                    id: user.id, organizationId: organization.id,
                    event: try Event.describing(user, type: "user.deleted", in: organization, by: .admin(tokenId: nil), at: 2)))
            let afterUser = try await store.tokens.authenticationEpoch()
            #expect(afterUser > beforeUser)

            #expect(
                try await store.organizations.delete(
                    id: organization.id,
                    event: try Event.describing(organization, type: "organization.deleted", in: organization, by: .admin(tokenId: nil), at: 3)))
            #expect(try await store.tokens.authenticationEpoch() > afterUser)
        }
    }

    @Test func expiryIsCheckedOnEveryHitAndUseIsRecordedOncePerMinute() async throws {
        try await Self.withStore(.sqlite) { store, clock in
            let (secret, token, organization) = try await Self.seed(store, clock: clock, expiresAt: clock.nowMillis + 150_000)
            let cache = PrincipalCache()
            let authentication = Authentication(store: store, clock: clock, environmentAdminToken: nil, cache: cache)
            let start = clock.nowMillis
            _ = try await authentication.principal(forSecret: secret)
            #expect(try await store.tokens.find(id: token.id, organizationId: organization.id)?.lastUsedAt == start)

            clock.advance(byMillis: 30_000)
            _ = try await authentication.principal(forSecret: secret)
            #expect(try await store.tokens.find(id: token.id, organizationId: organization.id)?.lastUsedAt == start)

            clock.advance(byMillis: 31_000)
            _ = try await authentication.principal(forSecret: secret)
            #expect(try await store.tokens.find(id: token.id, organizationId: organization.id)?.lastUsedAt == start + 61_000)

            // Still cached, and expired now: refused without asking the database.
            clock.advance(byMillis: 100_000)
            #expect(cache.count == 1)
            await Self.rejects(authentication, secret, "The token has expired.")
        }
    }

    @Test func aLookupThatBeganBeforeAnInvalidationStoresNothing() {
        let cache = PrincipalCache()
        let entry = PrincipalCache.Entry(principal: .admin(tokenId: "tok"), expiresAt: nil, lastUsedAt: nil, cachedAt: .now)
        let generation = cache.generation
        cache.invalidate()
        cache.store(entry, for: "k", ifGeneration: generation)
        #expect(cache.entry("k") == nil)
        cache.store(entry, for: "k", ifGeneration: cache.generation)
        #expect(cache.entry("k") != nil)
        // A new epoch empties it; the same epoch read again does not.
        cache.observe(epoch: 7)
        #expect(cache.count == 0)
        cache.store(entry, for: "k", ifGeneration: cache.generation)
        cache.observe(epoch: 7)
        #expect(cache.count == 1)
    }

    @Test func entriesDieAfterTheirLifetimeEvenWithoutAnEpoch() async throws {
        let cache = PrincipalCache(lifetime: .milliseconds(50))
        cache.store(
            PrincipalCache.Entry(principal: .admin(tokenId: "tok"), expiresAt: nil, lastUsedAt: nil, cachedAt: .now), for: "k",
            ifGeneration: cache.generation)
        #expect(cache.entry("k") != nil)
        try await Task.sleep(for: .milliseconds(80))
        #expect(cache.entry("k") == nil)
    }

    /// Two servers on one database: a token revoked through one stops working on the other within the poll interval.
    @Test(arguments: [StoreKind.sqlite, .postgres])
    func aTokenRevokedOnOneInstanceStopsWorkingOnTheOther(kind: StoreKind) async throws {
        if kind == .postgres, TestDatabase.postgresURL == nil {
            #expect(!TestDatabase.isCI, "CI must run the PostgreSQL tests")
            return
        }
        let secrets = try TestDatabase.testSecrets()
        let (first, second, cleanup): (Store, Store, @Sendable () async -> Void)
        switch kind {
        case .sqlite:
            let directory = TestDatabase.temporaryDirectory()
            first = try await Store.open(dataDirectory: directory, databaseURL: nil, secrets: secrets, logger: TestDatabase.logger)
            second = try await Store.open(dataDirectory: directory, databaseURL: nil, secrets: secrets, logger: TestDatabase.logger)
            cleanup = { try? FileManager.default.removeItem(atPath: directory) }
        case .postgres:
            let (name, url) = try await TestDatabase.createPostgresDatabase()
            first = Store(driver: try PostgresDriver(url: url, maximumConnections: 4, logger: TestDatabase.logger), secrets: secrets)
            second = Store(driver: try PostgresDriver(url: url, maximumConnections: 4, logger: TestDatabase.logger), secrets: secrets)
            cleanup = { try? await TestDatabase.dropPostgresDatabase(name) }
        }
        let adminToken = "pb_env_admin_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        do {
            try await LiveServer.run(store: first, adminToken: adminToken) { one in
                // The second instance migrates after the first: both see the same schema.
                try await LiveServer.run(store: second, adminToken: adminToken) { two in
                    let org = try await one.organization()
                    let created = try await one.admin(.post, "/v1/organizations/\(org)/tokens", ["name": "t", "scopes": ["organizations:read"]])
                    let secret = try #require(created.json["token"]?.string)
                    let id = try #require(created.json["id"]?.string)
                    #expect(try await two.send(.get, "/v1/organizations/\(org)", token: secret).status == 200)
                    #expect(try await one.send(.get, "/v1/organizations/\(org)", token: secret).status == 200)

                    #expect(try await one.admin(.delete, "/v1/organizations/\(org)/tokens/\(id)").status == 204)
                    // The instance that revoked it refuses it at once.
                    #expect(try await one.send(.get, "/v1/organizations/\(org)", token: secret).status == 401)
                    // The other within its poll interval (1 s), plus a margin for a loaded machine.
                    let started = ContinuousClock.now
                    var status = 200
                    while status == 200, ContinuousClock.now - started < .seconds(5) {
                        status = try await two.send(.get, "/v1/organizations/\(org)", token: secret).status
                        if status == 200 { try await Task.sleep(for: .milliseconds(50)) }
                    }
                    #expect(status == 401)
                    #expect(ContinuousClock.now - started < .seconds(3))
                }
            }
        } catch {
            await cleanup()
            throw error
        }
        await cleanup()
    }
}
