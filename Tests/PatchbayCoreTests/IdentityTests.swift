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

    @Test func identifiersBeginWithTheirMillisecondsInCrockfordBase32() throws {
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        // Later than any other test's clock: the process's last identifier never runs ahead of it.
        let millis: Int64 = 1_900_000_000_123
        let id = Identifier.make(.attempt, nowMillis: millis)
        #expect(id.hasPrefix("att_") && id.count == 30)
        // 26 characters of 5 bits hold 130: the first 10 carry the top 48 bits of the 128, the milliseconds.
        let decoded = try id.dropFirst(4).prefix(10).reduce(UInt64(0)) { value, character in
            value << 5 | UInt64(try #require(alphabet.firstIndex(of: character)))
        }
        #expect(decoded == UInt64(millis), "time part of \(id)")
        let next = Identifier.make(.attempt, nowMillis: millis)
        #expect(next.prefix(14) == id.prefix(14) && next > id, "the same millisecond counts up in the random part")
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

@Suite struct SlashCommandRulesTests {
    @Test func responseGrantsRoundTripAndRefuseAnythingElse() throws {
        let box = try SecretBox(keyBytes: SecretBox.generateKey())
        let grant = CommandResponseGrant(
            invocationId: "cin_1", organizationId: "org_1", integrationId: "int_1", command: "deploy", userId: "usr_1", expiresAt: 42)
        let token = try grant.token(sealedWith: box)
        #expect(token.utf8.allSatisfy { $0 < 0x80 && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "=") })
        #expect(CommandResponseGrant.open(token, with: box) == grant)
        let other = try SecretBox(keyBytes: SecretBox.generateKey())
        #expect(CommandResponseGrant.open(token, with: other) == nil, "another server's key")
        var altered = Array(token)
        altered[altered.count / 2] = altered[altered.count / 2] == "A" ? "B" : "A"
        #expect(CommandResponseGrant.open(String(altered), with: box) == nil)
        for hostile in ["", "x", String(repeating: "A", count: 10_000), "é" + token, token + "%00", "v1:" + token] {
            #expect(CommandResponseGrant.open(hostile, with: box) == nil)
        }
        // A webhook secret sealed by the same key under another context is not a grant.
        let sealed = try box.seal("cin_1 org_1 int_1 deploy usr_1 42", context: "wh_1/secret")
        #expect(CommandResponseGrant.open(String(sealed.dropFirst(3)), with: box) == nil)
    }

    @Test func repliesAndNamesAreChecked() throws {
        #expect(SlashCommand.nameProblem("deploy") == nil && SlashCommand.nameProblem("a_b-9") == nil)
        for bad in ["", "Deploy", "/deploy", "-x", "de ploy", String(repeating: "a", count: 33), "dé"] {
            #expect(SlashCommand.nameProblem(bad) != nil, "\(bad)")
        }
        #expect(SlashCommand.normalized(" /Deploy ") == "deploy")
        #expect(try CommandReply.parse(["text": "ok"]).get() == CommandReply(text: "ok", blocks: nil, responseType: .ephemeral))
        for (bad, pointer) in [
            (JSONValue.array([]), ""), (["text": 5], "/text"), (["blocks": [1]], "/blocks/0"),
            (["text": "x", "responseType": "loud"], "/responseType"),
            ([:], ""), (["text": .string(String(repeating: "x", count: 40_001))], "/text"), (["text": "x", "extra": 1], "/extra"),
        ] as [(JSONValue, String)] {
            guard case .failure(let error) = CommandReply.parse(bad) else {
                Issue.record("accepted \(bad)")
                continue
            }
            #expect(error.errors.first?.pointer == pointer, "\(bad)")
        }
    }
}
