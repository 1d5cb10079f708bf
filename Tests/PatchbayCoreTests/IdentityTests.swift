import Testing

@testable import PatchbayCore

@Suite struct IdentityTests {
    @Test func identifiersCarryTheirPrefixAndSortByTime() {
        let early = Identifier.make(.organization, nowMillis: 1_700_000_000_000)
        let late = Identifier.make(.organization, nowMillis: 1_700_000_000_001)
        #expect(early.hasPrefix("org_"))
        #expect(early.count == 30)
        #expect(early < late)
        #expect(Identifier.isWellFormed(early, .organization))
        #expect(!Identifier.isWellFormed(early, .user))
        #expect(!Identifier.isWellFormed("org_' OR 1=1 --", .organization))
    }

    @Test func identifiersIncreaseWithinOneMillisecond() {
        let ids = (0..<1000).map { _ in Identifier.make(.delivery, nowMillis: 1_800_000_000_000) }
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
        #expect(Identifier.make(.delivery, nowMillis: 1_700_000_000_000) > ids.last!, "a clock stepping back does not reorder")
    }

    @Test func identifiersAreUnique() {
        let ids = Set((0..<10_000).map { _ in Identifier.make(.token, nowMillis: 1) })
        #expect(ids.count == 10_000)
    }

    @Test func tokenSecretsAreLongRandomAndHashed() {
        let first = TokenSecret.generate()
        let second = TokenSecret.generate()
        #expect(first.token.hasPrefix("pb_"))
        #expect(first.token.count == 46)
        #expect(first.token != second.token)
        #expect(first.token.hasPrefix(first.prefix))
        #expect(first.hash == TokenSecret.hash(of: first.token))
        #expect(first.hash.count == 64)
        #expect(!first.hash.contains(first.token))
    }

    @Test(arguments: [("abc", "abc", true), ("abc", "abd", false), ("abc", "abcd", false), ("", "", true), ("a", "", false)])
    func constantTimeComparison(lhs: String, rhs: String, equal: Bool) {
        #expect(TokenSecret.constantTimeEquals(lhs, rhs) == equal)
    }

    @Test func scopesImplyReadsAndStarCoversEverything() {
        let write: Set<Scope> = [.organizationsWrite]
        #expect(write.grants(.organizationsRead))
        #expect(!write.grants(.integrationsRead))
        #expect(Set<Scope>([.all]).grants(.actionsRun))
        #expect(write.covers([.organizationsRead, .organizationsWrite]))
        #expect(!write.covers([.all]))
        #expect(!write.covers([.tokensWrite]))
        #expect(Set<Scope>([.all]).covers([.all]))
    }

    @Test func organizationPathsReachDescendantsOnly() {
        let root = OrganizationPath.root("org_A")
        let child = root.child("org_B")
        let sibling = root.child("org_C")
        #expect(root.contains(child))
        #expect(child.contains(child))
        #expect(!child.contains(root))
        #expect(!child.contains(sibling))
        #expect(!OrganizationPath.root("org_A").contains(OrganizationPath.root("org_AB")))
    }

    @Test func finalizedIntegrationsNeverReturnToDraft() {
        var integration = Integration(
            id: "int_1", organizationId: "org_1", name: "n", description: "", iconSvg: nil, status: .draft, userId: "usr_1",
            userKind: .app, finalizedAt: nil, createdAt: 0, updatedAt: 0
        )
        #expect(integration.transitionError(to: .published) != nil)
        integration.status = .published
        #expect(integration.transitionError(to: .draft) != nil)
        #expect(integration.transitionError(to: .hidden) == nil)
    }
}

@Suite struct RetentionPolicyTests {
    @Test func periodsParseWithTheirUnitsAndBounds() throws {
        #expect(try RetentionPolicy.parse("30d").get().periodMillis == 30 * 86_400_000)
        #expect(try RetentionPolicy.parse(" 12H ").get().periodMillis == 12 * 3_600_000)
        #expect(try RetentionPolicy.parse("90m").get().description == "90m")
        #expect(try RetentionPolicy.parse("off").get() == .forever)
        #expect(try RetentionPolicy.parse("3660d").get().periodMillis == RetentionPolicy.maximumMillis)
        for bad in ["", "d", "0d", "-1d", "3661d", "30", "30w", "9223372036854775807s", "1e3s", String(repeating: "9", count: 40) + "d"] {
            #expect(throws: PatchbayError.self, "\(bad)") { try RetentionPolicy.parse(bad).get() }
        }
    }

    @Test func cutoffsSaturateAndHonourTheReplayWindow() {
        let policy = RetentionPolicy(periodMillis: 3_600_000)
        #expect(policy.cutoff(now: 10_000_000) == 6_400_000)
        #expect(policy.idempotencyCutoff(now: 100_000_000) == Int64(13_600_000))
        #expect(RetentionPolicy.standard.cutoff(now: .min) == .min)
        #expect(RetentionPolicy.forever.cutoff(now: 1) == nil)
        #expect(RetentionPolicy.standard.passIntervalMillis == 600_000)
        #expect(RetentionPolicy(periodMillis: 2_000).passIntervalMillis == 1_000)
    }
}
