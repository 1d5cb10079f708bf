import Foundation
import PatchbayCore
import PatchbayStorage
import PatchbayTestSupport
import Synchronization
import Testing

/// One behaviour every store must have. The same list runs on SQLite and on PostgreSQL.
struct ContractCase: Sendable, CustomTestStringConvertible {
    let name: String
    let body: @Sendable (Store) async throws -> Void
    var testDescription: String { name }

    static let all: [ContractCase] = [
        ContractCase(name: "migrations are idempotent and versioned") { (store: Store) async throws in
            #expect(try await Migrator(driver: store.driver).migrate(now: 1) == [])
            #expect(try await Migrator(driver: store.driver).currentVersion() == Migrations.all.count)
        },
        ContractCase(name: "attempts keep one index per delivery, and the history's look-ups use it") { (store: Store) async throws in
            let indexQuery: SQLQuery =
                store.driver.dialect == .sqlite
                ? "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'delivery_attempts' AND name NOT LIKE 'sqlite_%'"
                : "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'delivery_attempts' AND indexname NOT LIKE '%_pkey'"
            let names = try await store.driver.query(indexQuery).map { try $0.string("name") }
            #expect(names == ["delivery_attempts_latency"], "the redundant (delivery_id, sent_at) index is dropped")
            if store.driver.dialect == .sqlite {
                let plan = try await store.driver.query(
                    "EXPLAIN QUERY PLAN SELECT * FROM delivery_attempts WHERE delivery_id = \("dlv_x") ORDER BY sent_at, id")
                let steps = try plan.map { try $0.string("detail") }
                #expect(steps.contains { $0.contains("USING INDEX delivery_attempts_latency") }, "\(steps)")
            }
        },
        ContractCase(name: "a newer schema than the binary knows is refused") { (store: Store) async throws in
            _ = try await store.driver.query("INSERT INTO patchbay_migrations (version, name, applied_at) VALUES (\(999), \("future"), \(1))")
            await #expect(throws: StorageError.schemaTooNew(found: 999, known: Migrations.all.count)) {
                try await Migrator(driver: store.driver).migrate(now: 1)
            }
        },
        ContractCase(name: "an organization and its event are written together") { (store: Store) async throws in
            let org = Fixtures.organization("Acme")
            try await store.organizations.insert(org, event: Fixtures.event("organization.created", org))
            #expect(try await store.organizations.find(id: org.id) == org)
            let events = try await store.events.list(organization: org, includeDescendants: false, type: nil, after: nil, limit: 10)
            #expect(events.events.map(\.type) == ["organization.created"])
            #expect(events.events.first?.data["name"] == "Acme")
        },
        ContractCase(name: "a failed change leaves neither the row nor its event") { (store: Store) async throws in
            let org = try await Fixtures.storedOrganization(store)
            let first = Fixtures.user(in: org, email: "ada@example.com")
            try await store.users.insert(first, event: Fixtures.event("user.created", first, in: org))
            let duplicate = Fixtures.user(in: org, email: "ADA@example.com")
            let error = await #expect(throws: PatchbayError.self) {
                try await store.users.insert(duplicate, event: Fixtures.event("user.created", duplicate, in: org))
            }
            #expect(error?.kind == .conflict)
            #expect(try await store.users.find(id: duplicate.id) == nil)
            let events = try await store.events.list(organization: org, includeDescendants: false, type: "user.created", after: nil, limit: 10)
            #expect(events.events.count == 1)
        },
        ContractCase(name: "hostile and unicode text is stored verbatim") { (store: Store) async throws in
            for name in Fixtures.hostileNames {
                let org = Fixtures.organization(name)
                try await store.organizations.insert(org, event: Fixtures.event("organization.created", org))
                #expect(try await store.organizations.find(id: org.id)?.name == name)
            }
            #expect(try await store.organizations.list(ListRequest(limit: 1000), within: nil).items.count == Fixtures.hostileNames.count)
        },
        ContractCase(name: "search treats LIKE wildcards literally and ignores case") { (store: Store) async throws in
            for name in ["50% off", "500 off", "Under_score", "Underscore", "ÉCOLE"] {
                let org = Fixtures.organization(name)
                try await store.organizations.insert(org, event: Fixtures.event("organization.created", org))
            }
            func names(_ search: String) async throws -> [String] {
                try await store.organizations.list(ListRequest(sort: SortOrder(field: "name", descending: false), search: search), within: nil)
                    .items.map(\.name)
            }
            #expect(try await names("50%") == ["50% off"])
            #expect(try await names("r_s") == ["Under_score"])
            #expect(try await names("UNDER") == ["Under_score", "Underscore"])
            #expect(try await names("école") == ["ÉCOLE"])
        },
        ContractCase(name: "keyset pages cover every row once in both directions") { (store: Store) async throws in
            for index in 0..<23 {
                let org = Fixtures.organization(String(format: "Org %02d", index % 7))
                try await store.organizations.insert(org, event: Fixtures.event("organization.created", org))
            }
            for descending in [false, true] {
                var request = ListRequest(limit: 5, sort: SortOrder(field: "name", descending: descending))
                var seen: [Organization] = []
                while true {
                    let page = try await store.organizations.list(request, within: nil)
                    seen += page.items
                    guard let next = page.nextCursor else { break }
                    request.cursor = try Cursor.decode(next, for: request.sort)
                }
                #expect(seen.count == 23)
                #expect(Set(seen.map(\.id)).count == 23)
                let names = seen.map(\.name)
                #expect(names == (descending ? names.sorted(by: >) : names.sorted()))
            }
        },
        ContractCase(name: "subtree listing stays inside the subtree") { (store: Store) async throws in
            let root = try await Fixtures.storedOrganization(store)
            let child = try await Fixtures.storedOrganization(store, parent: root)
            let grandchild = try await Fixtures.storedOrganization(store, parent: child)
            _ = try await Fixtures.storedOrganization(store, parent: root)
            _ = try await Fixtures.storedOrganization(store)
            let ids = try await store.organizations.list(ListRequest(), within: child.path).items.map(\.id)
            #expect(Set(ids) == [child.id, grandchild.id])
            let events = try await store.events.list(organization: child, includeDescendants: true, type: nil, after: nil, limit: 100)
            #expect(Set(events.events.map(\.organizationId)) == [child.id, grandchild.id])
        },
        ContractCase(name: "an organization with children cannot be deleted") { (store: Store) async throws in
            let root = try await Fixtures.storedOrganization(store)
            let child = try await Fixtures.storedOrganization(store, parent: root)
            await #expect(throws: PatchbayError.self) {
                _ = try await store.organizations.delete(id: root.id, event: Fixtures.event("organization.deleted", root))
            }
            #expect(try await store.organizations.delete(id: child.id, event: Fixtures.event("organization.deleted", child)))
            #expect(try await store.organizations.delete(id: root.id, event: Fixtures.event("organization.deleted", root)))
            #expect(try await store.organizations.find(id: root.id) == nil)
        },
        ContractCase(name: "deleting an integration removes its user and tokens") { (store: Store) async throws in
            let org = try await Fixtures.storedOrganization(store)
            let (integration, user) = Fixtures.integration(in: org, bot: true)
            try await store.integrations.insert(integration, user: user, event: Fixtures.event("integration.created", integration, in: org))
            let token = Fixtures.token(in: org, integration: integration)
            try await store.tokens.insert(token)
            #expect(try await store.users.list(organizationId: org.id, kinds: [.bot], ListRequest()).items.map(\.id) == [user.id])
            #expect(try await store.users.list(organizationId: org.id, kinds: [.human], ListRequest()).items.isEmpty)
            // Another organization's delete (or another integration's token) changes nothing, not even the children.
            let other = try await Fixtures.storedOrganization(store)
            let foreign = Fixtures.event("integration.deleted", integration, in: other)
            #expect(try await !store.integrations.delete(id: integration.id, in: Tenant(organizationId: other.id), event: foreign))
            #expect(
                try await !store.integrations.delete(
                    id: integration.id, in: Tenant(organizationId: org.id, integrationId: "int_other"), event: foreign))
            #expect(try await store.users.find(id: user.id) != nil)
            #expect(try await store.tokens.find(secretHash: token.secretHash) != nil)
            #expect(try await store.integrations.find(id: integration.id, in: Tenant(organizationId: other.id)) == nil)
            #expect(
                try await store.integrations.delete(
                    id: integration.id, in: Tenant(organizationId: org.id), event: Fixtures.event("integration.deleted", integration, in: org)))
            #expect(try await store.users.find(id: user.id) == nil)
            #expect(try await store.tokens.find(secretHash: token.secretHash) == nil)
        },
        ContractCase(name: "tokens are found by hash, renamed and revoked once") { (store: Store) async throws in
            let org = try await Fixtures.storedOrganization(store)
            let token = Fixtures.token(in: org)
            try await store.tokens.insert(token)
            let (found, path) = try #require(try await store.tokens.findForAuthentication(secretHash: token.secretHash))
            #expect(found == token)
            #expect(path == org.path)
            #expect(try await store.tokens.rename(id: token.id, organizationId: org.id, name: "renamed", now: 5)?.name == "renamed")
            #expect(try await store.tokens.revoke(id: token.id, organizationId: org.id, now: 7)?.revokedAt == 7)
            #expect(try await store.tokens.revoke(id: token.id, organizationId: org.id, now: 9)?.revokedAt == 7)
            let other = try await Fixtures.storedOrganization(store)
            #expect(try await store.tokens.revoke(id: token.id, organizationId: other.id, now: 9) == nil)
            try await store.tokens.recordUse(id: token.id, at: 11)
            #expect(try await store.tokens.find(id: token.id, organizationId: org.id)?.lastUsedAt == 11)
        },
        ContractCase(name: "a lease keeps a delivery from a second worker until it expires") { (store: Store) async throws in
            let org = try await Fixtures.storedOrganization(store)
            let webhook = Fixtures.webhook(in: org)
            try await store.webhooks.insert(webhook)
            let event = Fixtures.event("thread.created", ["title": "x"] as JSONValue, in: org)
            _ = try await store.events.publish([event], organizationId: org.id, idempotency: nil)
            let first = try await store.deliveries.claimDue(owner: "a", now: 2_000, leaseMillis: 1_000, limit: 10, busyWebhooks: [])
            #expect(first.map(\.eventIds) == [[event.id]])
            #expect(try await store.deliveries.claimDue(owner: "b", now: 2_500, leaseMillis: 1_000, limit: 10, busyWebhooks: []).isEmpty)
            #expect(try await store.deliveries.claimDue(owner: "b", now: 3_001, leaseMillis: 1_000, limit: 10, busyWebhooks: [webhook.id]).isEmpty)
            let taken = try await store.deliveries.claimDue(owner: "b", now: 3_001, leaseMillis: 1_000, limit: 10, busyWebhooks: [])
            #expect(taken.map(\.id) == first.map(\.id), "a crashed worker's delivery is taken over")
            try await store.webhooks.disable(
                webhook, event: Fixtures.event("webhook.disabled", ["webhookId": .string(webhook.id)] as JSONValue, in: org), at: 3_100)
            #expect(try await store.deliveries.claimDue(owner: "c", now: 10_000, leaseMillis: 1_000, limit: 10, busyWebhooks: []).isEmpty)
        },
        ContractCase(name: "a claim passes over busy webhooks' backlog; a lease moves the delivery out of the claim's range") {
            (store: Store) async throws in
            let org = try await Fixtures.storedOrganization(store)
            var busy = Fixtures.webhook(in: org)
            busy.eventTypes = ["a.made"]
            var idle = Fixtures.webhook(in: org)
            idle.eventTypes = ["b.made"]
            try await store.webhooks.insert(busy)
            try await store.webhooks.insert(idle)
            for _ in 0..<6 { _ = try await store.events.publish([Fixtures.event("a.made", org)], organizationId: org.id, idempotency: nil) }
            _ = try await store.events.publish([Fixtures.event("b.made", org)], organizationId: org.id, idempotency: nil)
            if store.driver.dialect == .sqlite {
                // Limit 2 reads a window of 4 due rows, all the busy webhook's: nothing to take there. (PostgreSQL
                // always searches past them in SQL.)
                let refused = try await store.deliveries.claim(
                    owner: "w", now: 2_000, leaseMillis: 1_000, limit: 2, busyWebhooks: [busy.id], searchPastBusy: false)
                #expect(refused.deliveries.isEmpty && !refused.searchedPastBusy)
                #expect(refused.windowAllBusy, "the worker waits for room before reading this window again")
                // Limit 4 reads a window of 8, more than there are due rows: a new one would fall inside it.
                let roomy = try await store.deliveries.claim(
                    owner: "w", now: 2_000, leaseMillis: 1_000, limit: 4, busyWebhooks: [busy.id], searchPastBusy: false)
                #expect(!roomy.windowAllBusy && roomy.deliveries.map(\.webhookId) == [idle.id])
                try await store.deliveries.release(roomy.deliveries.map(\.id), owner: "w", now: 2_000)
            }
            let past = try await store.deliveries.claim(owner: "w", now: 2_000, leaseMillis: 1_000, limit: 2, busyWebhooks: [busy.id])
            #expect(past.deliveries.map(\.webhookId) == [idle.id] && past.searchedPastBusy)
            #expect(past.deliveries.first?.nextAttemptAt == 3_000, "due again when the lease ends")
            let oldest = try await store.deliveries.claimDue(owner: "w", now: 2_000, leaseMillis: 1_000, limit: 2, busyWebhooks: [])
            #expect(oldest.count == 2 && oldest.allSatisfy { $0.webhookId == busy.id })
            #expect(oldest.map(\.createdAt) == oldest.map(\.createdAt).sorted())
            // The leased rows are out of range; released ones are due at once.
            let rest = try await store.deliveries.claimDue(owner: "v", now: 2_050, leaseMillis: 1_000, limit: 10, busyWebhooks: [])
            #expect(rest.count == 4 && Set(rest.map(\.id)).isDisjoint(with: oldest.map(\.id)))
            try await store.deliveries.release(oldest.map(\.id), owner: "w", now: 2_100)
            let released = try await store.deliveries.claimDue(owner: "v", now: 2_100, leaseMillis: 1_000, limit: 10, busyWebhooks: [])
            #expect(Set(released.map(\.id)) == Set(oldest.map(\.id)))
            try await store.deliveries.release(released.map(\.id), owner: "v", now: 2_150)
            let page = try await store.deliveries.list(of: busy, status: nil, ListRequest(limit: 10))
            #expect(
                page.items.filter { released.map(\.id).contains($0.id) }.allSatisfy { $0.nextAttemptAt == $0.createdAt },
                "a released delivery never attempted takes its place again, ahead of newer ones")
            #expect(try await store.deliveries.releaseAllLeases(now: 2_200) == 5)
            #expect(try await store.deliveries.claimDue(owner: "u", now: 2_200, leaseMillis: 1_000, limit: 10, busyWebhooks: []).count == 7)
        },
        ContractCase(name: "pending events fold into one batched delivery; many attempts are recorded together") { (store: Store) async throws in
            let org = try await Fixtures.storedOrganization(store)
            var batched = Fixtures.webhook(in: org)
            batched.maxEventsPerRequest = 3
            let single = Fixtures.webhook(in: org)
            try await store.webhooks.insert(batched)
            try await store.webhooks.insert(single)
            let events = (0..<4).map { Fixtures.event("thread.created", ["n": .int(Int64($0))] as JSONValue, in: org) }
            _ = try await store.events.publish(events, organizationId: org.id, idempotency: nil)

            let lead = try #require(
                try await store.deliveries.claimDue(owner: "a", now: 2_000, leaseMillis: 1_000, limit: 1, busyWebhooks: [single.id]).first)
            #expect(try await store.deliveries.absorb(into: lead, maxEvents: 3, owner: "b", now: 2_000) == lead, "only the lease holder folds")
            #expect(try await store.deliveries.list(of: batched, status: nil, ListRequest(limit: 10)).items.count == 4)
            let merged = try await store.deliveries.absorb(into: lead, maxEvents: 3, owner: "a", now: 2_000)
            #expect(merged.eventIds.count == 3 && Set(merged.eventIds).count == 3 && merged.eventIds.first == lead.eventIds.first)
            let batchedRows = try await store.deliveries.list(of: batched, status: nil, ListRequest(limit: 10)).items
            #expect(batchedRows.count == 2, "three events in the lead, the fourth left on its own")
            #expect(Set(batchedRows.flatMap(\.eventIds)) == Set(events.map(\.id)))
            #expect(try await store.deliveries.find(id: lead.id, of: batched)?.eventIds == merged.eventIds)

            let singles = try await store.deliveries.claimDue(owner: "a", now: 2_000, leaseMillis: 1_000, limit: 10, busyWebhooks: [batched.id])
            #expect(singles.count == 4)
            func attempt(_ delivery: Delivery, at sentAt: Int64, status: Int) -> DeliveryAttempt {
                DeliveryAttempt(
                    id: Identifier.make(.attempt, nowMillis: sentAt), deliveryId: delivery.id, sentAt: sentAt, url: "https://example.com/h",
                    statusCode: status, result: status == 200 ? .success : .httpError, durationMs: 3,
                    requestHeaders: ["content-type": "application/json"],
                    requestBody: "{}", responseHeaders: [:], responseBody: "'; DROP TABLE deliveries; --", error: nil)
            }
            var completions = singles.dropLast().enumerated().map { index, delivery in
                DeliveryCompletion(
                    delivery: delivery, attempt: attempt(delivery, at: 2_100 + Int64(index), status: 200), status: .succeeded, nextAttemptAt: nil,
                    webhookState: .active)
            }
            completions.append(
                DeliveryCompletion(
                    delivery: singles[3], attempt: attempt(singles[3], at: 2_200, status: 500), status: .retrying, nextAttemptAt: 9_000,
                    webhookState: .failing))
            completions.append(
                DeliveryCompletion(
                    delivery: merged, attempt: attempt(merged, at: 2_050, status: 200), status: .succeeded, nextAttemptAt: nil, webhookState: .active)
            )
            try await store.deliveries.complete(completions)

            let after = try await store.deliveries.list(of: single, status: nil, ListRequest(limit: 10)).items
            #expect(after.filter { $0.status == .succeeded }.count == 3)
            let retrying = try #require(after.first { $0.status == .retrying })
            #expect(retrying.id == singles[3].id && retrying.attemptCount == 1 && retrying.nextAttemptAt == 9_000 && retrying.lastAttemptAt == 2_200)
            let recorded = try await store.deliveries.attempts(deliveryId: singles[3].id)
            #expect(recorded.map(\.statusCode) == [500] && recorded.first?.responseBody == "'; DROP TABLE deliveries; --")
            let singleAfter = try #require(try await store.webhooks.find(id: single.id))
            #expect(singleAfter.lastStatus == 500 && singleAfter.lastTriggeredAt == 2_200 && singleAfter.state == .failing, "its latest attempt wins")
            #expect(try await store.webhooks.find(id: batched.id)?.lastStatus == 200)
            #expect(
                try await store.deliveries.claimDue(owner: "c", now: 3_500, leaseMillis: 1_000, limit: 10, busyWebhooks: []).map(\.eventIds)
                    == batchedRows.filter { $0.id != lead.id }.map(\.eventIds), "recorded deliveries are no longer leased or due")
        },
        ContractCase(name: "an integration's webhooks receive the events of its own and its installed organizations") { (store: Store) async throws in
            let home = try await Fixtures.storedOrganization(store)
            let installed = try await Fixtures.storedOrganization(store, parent: home)
            let elsewhere = try await Fixtures.storedOrganization(store, parent: home)
            let (integration, user) = Fixtures.integration(in: home, bot: true)
            try await store.integrations.insert(integration, user: user, event: Fixtures.event("integration.created", home))
            var integrationHook = Fixtures.webhook(in: home)
            integrationHook.integrationId = integration.id
            let homeHook = Fixtures.webhook(in: home)
            try await store.webhooks.insert(integrationHook)
            try await store.webhooks.insert(homeHook)
            let installation = Installation(
                id: Identifier.make(.installation, nowMillis: 1_000), integrationId: integration.id, organizationId: installed.id, state: .ready,
                createdAt: 1_000, updatedAt: 1_000)
            try await store.installations.insert(installation, event: Fixtures.event("integration.installed", installed))
            await #expect(throws: StorageError.uniqueViolation, "installed once per organization") {
                var again = installation
                again.id = Identifier.make(.installation, nowMillis: 1_000)
                try await store.installations.insert(again, event: Fixtures.event("integration.installed", installed))
            }

            func received(_ org: Organization) async throws -> [String: [Delivery]] {
                let event = Fixtures.event("thread.created", ["in": .string(org.id)] as JSONValue, in: org)
                _ = try await store.events.publish([event], organizationId: org.id, idempotency: nil)
                var byWebhook: [String: [Delivery]] = [:]
                for hook in [integrationHook, homeHook] {
                    byWebhook[hook.id] = try await store.deliveries.list(of: hook, status: nil, ListRequest(limit: 100)).items
                        .filter { $0.eventIds == [event.id] }
                }
                return byWebhook
            }
            let fromInstalled = try await received(installed)
            #expect(fromInstalled[integrationHook.id]?.map(\.organizationId) == [home.id], "owned by the webhook's organization")
            #expect(fromInstalled[homeHook.id]?.isEmpty == true, "an organization's own webhook sees only its own events")
            let fromHome = try await received(home)
            #expect(fromHome[integrationHook.id]?.count == 1 && fromHome[homeHook.id]?.count == 1)
            let fromElsewhere = try await received(elsewhere)
            #expect(fromElsewhere[integrationHook.id]?.isEmpty == true && fromElsewhere[homeHook.id]?.isEmpty == true)

            #expect(
                try await store.installations.delete(
                    id: installation.id, in: Tenant(organizationId: installation.organizationId),
                    event: Fixtures.event("integration.uninstalled", installed)))
            #expect(try await received(installed)[integrationHook.id]?.isEmpty == true, "uninstalled: no more events")
            #expect(try await store.installations.find(id: installation.id) == nil)
        },
        ContractCase(name: "concurrent publishes share transactions; a failing publish fails alone") { (store: Store) async throws in
            let org = try await Fixtures.storedOrganization(store)
            let webhook = Fixtures.webhook(in: org)
            try await store.webhooks.insert(webhook)
            let existing = Fixtures.event("thread.created", ["n": -1] as JSONValue, in: org)
            _ = try await store.events.publish([existing], organizationId: org.id, idempotency: nil)
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<30 {
                    group.addTask {
                        var events = (0..<3).map { Fixtures.event("thread.created", ["n": .int(Int64(index * 10 + $0))] as JSONValue, in: org) }
                        if index == 7 { events[2] = existing }
                        do {
                            _ = try await store.events.publish(events, organizationId: org.id, idempotency: nil)
                            return true
                        } catch StorageError.uniqueViolation {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { !$0 }.count == 1, "only the publish that repeats an event id fails")
            let stored = try await store.events.list(organization: org, includeDescendants: false, type: "thread.created", after: nil, limit: 200)
            #expect(stored.events.count == 1 + 29 * 3, "all or nothing per publish")
            #expect(try await store.deliveries.list(of: webhook, status: nil, ListRequest(limit: 200)).items.count == 1 + 29 * 3)
        },
        ContractCase(name: "retention removes what is past it in batches, counts held ones, and spares everything younger") {
            (store: Store) async throws in
            let org = try await Fixtures.storedOrganization(store)
            let webhook = Fixtures.webhook(in: org)
            try await store.webhooks.insert(webhook)
            let day: Int64 = 86_400_000
            let now: Int64 = 100 * day
            let policy = RetentionPolicy(periodMillis: 30 * day)
            let cutoff = try #require(policy.cutoff(now: now))
            // Seven old and two young of each: statuses cover every way a delivery can be.
            let statuses: [Delivery.Status] = [.held, .held, .pending, .retrying, .succeeded, .failed, .held]
            for (index, status) in statuses.enumerated() {
                let created = cutoff - Int64(index + 1) * 1000
                try await Self.insertDelivery(store, webhook: webhook, id: "dlv_old\(index)", status: status, createdAt: created, attempts: 2)
            }
            try await Self.insertDelivery(store, webhook: webhook, id: "dlv_young0", status: .held, createdAt: cutoff, attempts: 0)
            try await Self.insertDelivery(store, webhook: webhook, id: "dlv_young1", status: .pending, createdAt: now - 1, attempts: 1)
            // Old, but a batch folded younger events into it and it is still on its way: kept.
            try await Self.insertDelivery(
                store, webhook: webhook, id: "dlv_folded", status: .retrying, createdAt: cutoff - 50_000, attempts: 0, updatedAt: now - 5)
            for index in 0..<5 {
                let created = index < 3 ? cutoff - 1 - Int64(index) : cutoff + Int64(index)
                _ = try await store.driver.query(
                    """
                    INSERT INTO events (id, organization_id, organization_path, type, actor, data, created_at)
                    VALUES (\("evt_retention\(index)"), \(org.id), \(org.path.value), 'thread.created', '{"type":"admin"}', '{}', \(created))
                    """)
            }
            for (key, created) in [("old", now - 2 * day), ("recent", now - day / 2), ("older", cutoff - 1)] {
                _ = try await store.driver.query(
                    """
                    INSERT INTO idempotency_keys (organization_id, idempotency_key, request_hash, event_ids, created_at)
                    VALUES (\(org.id), \(key), 'h', '[]', \(created))
                    """)
            }

            var total = RetentionRepository.Removed()
            var batches = 0
            while true {
                let removed = try await store.retention.purgeBatch(
                    before: cutoff, idempotencyBefore: try #require(policy.idempotencyCutoff(now: now)), batchSize: 2)
                #expect(removed.deliveries <= 2 && removed.events <= 2, "batches stay small")
                if removed.total == 0 { break }
                total = total + removed
                batches += 1
                try #require(batches < 20)
            }
            #expect(batches == 4, "seven old deliveries two at a time")
            #expect(total.deliveries == 7 && total.heldDeliveries == 3 && total.pendingDeliveries == 2 && total.attempts == 14)
            #expect(total.events == 4, "three old ones and the organization's creation at t = 1 s")
            // A 30-day retention keeps keys younger than 30 days; the one-day-old "recent" and two-day-old "old" stay.
            #expect(total.idempotencyKeys == 1)
            let left = try await store.driver.query("SELECT id, status FROM deliveries ORDER BY id").map { try $0.string("id") }
            #expect(left == ["dlv_folded", "dlv_young0", "dlv_young1"])
            #expect(try await store.driver.query("SELECT COUNT(*) AS n FROM delivery_attempts").first?.int("n") == 1)
            #expect(try await store.driver.query("SELECT COUNT(*) AS n FROM events WHERE id LIKE 'evt_retention%'").first?.int("n") == 2)
            #expect(try await store.webhooks.heldCounts([webhook.id])[webhook.id] == 1)

            // A short retention still honours the 24-hour replay window of idempotency keys.
            let short = RetentionPolicy(periodMillis: 3_600_000)
            #expect(short.idempotencyCutoff(now: now) == now - day)
            _ = try await store.retention.purgeBatch(
                before: try #require(short.cutoff(now: now)), idempotencyBefore: try #require(short.idempotencyCutoff(now: now)), batchSize: 10)
            let keys = try await store.driver.query("SELECT idempotency_key FROM idempotency_keys").map { try $0.string("idempotency_key") }
            #expect(keys == ["recent"])
        },
        ContractCase(name: "concurrent transactions all commit") { (store: Store) async throws in
            let org = try await Fixtures.storedOrganization(store)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        let user = Fixtures.user(in: org, email: "user\(index)@example.com")
                        try await store.users.insert(user, event: Fixtures.event("user.created", user, in: org))
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await store.users.list(organizationId: org.id, kinds: [.human], ListRequest(limit: 100)).items.count == 40)
            let events = try await store.events.list(organization: org, includeDescendants: false, type: "user.created", after: nil, limit: 100)
            #expect(events.events.count == 40)
            #expect(events.events.map(\.sequence) == events.events.map(\.sequence).sorted())
        },
    ]
}

extension ContractCase {
    /// A delivery row written directly, with `attempts` attempt rows, so its age is exactly what the test says.
    static func insertDelivery(
        _ store: Store, webhook: Webhook, id: String, status: Delivery.Status, createdAt: Int64, attempts: Int, updatedAt: Int64? = nil
    ) async throws {
        _ = try await store.driver.query(
            """
            INSERT INTO deliveries (id, webhook_id, organization_id, event_ids, status, attempt_count, created_at, updated_at)
            VALUES (\(id), \(webhook.id), \(webhook.organizationId), '["evt_x"]', \(status.rawValue), \(attempts), \(createdAt),
                    \(updatedAt ?? createdAt))
            """)
        for attempt in 0..<attempts {
            _ = try await store.driver.query(
                """
                INSERT INTO delivery_attempts (id, delivery_id, sent_at, url, result, duration_ms, request_headers, request_body, response_headers)
                VALUES (\("att_\(id)_\(attempt)"), \(id), \(createdAt), 'https://example.com', 'error', 1, '{}', '', '{}')
                """)
        }
    }
}

@Suite struct SQLiteStorageContractTests {
    @Test(arguments: ContractCase.all)
    func contract(_ contractCase: ContractCase) async throws {
        try await TestDatabase.withStore(.sqlite, contractCase.body)
    }

    @Test func dataSurvivesReopeningTheFile() async throws {
        let directory = TestDatabase.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let org = Fixtures.organization("Persistent")
        let secrets = try TestDatabase.testSecrets()
        let first = try await Store.open(dataDirectory: directory, databaseURL: nil, secrets: secrets, logger: TestDatabase.logger)
        try await first.driver.withRunning {
            try await Migrator(driver: first.driver).migrate(now: 1)
            try await first.organizations.insert(org, event: Fixtures.event("organization.created", org))
        }
        let second = try await Store.open(dataDirectory: directory, databaseURL: nil, secrets: secrets, logger: TestDatabase.logger)
        let (found, mode) = try await second.driver.withRunning {
            (try await second.organizations.find(id: org.id), try await second.driver.query("PRAGMA journal_mode").first?.string("journal_mode"))
        }
        #expect(found == org)
        #expect(mode == "wal")
    }

    @Test(arguments: [(SQLiteSynchronous.full, Int64(2)), (SQLiteSynchronous.normal, Int64(1))])
    func commitsAreSyncedAsConfigured(synchronous: SQLiteSynchronous, pragma: Int64) async throws {
        let directory = TestDatabase.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await Store.open(
            dataDirectory: directory, databaseURL: nil, secrets: try TestDatabase.testSecrets(), sqliteSynchronous: synchronous,
            logger: TestDatabase.logger)
        // The writer's setting (readers never commit): FULL is 2, NORMAL 1.
        let value = try await store.driver.withRunning {
            try await store.driver.transaction { try await $0.query("PRAGMA synchronous").first?.int("synchronous") }
        }
        #expect(value == pragma)
    }
}

@Suite(.enabled(if: TestDatabase.postgresURL != nil, "PostgreSQL tests skipped: PATCHBAY_TEST_DATABASE_URL is not set"))
struct PostgresStorageContractTests {
    @Test(arguments: ContractCase.all)
    func contract(_ contractCase: ContractCase) async throws {
        try await TestDatabase.withStore(.postgres, contractCase.body)
    }

    @Test func instancesStartingTogetherMigrateOnce() async throws {
        let (name, url) = try await TestDatabase.createPostgresDatabase()
        let results = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let driver = try PostgresDriver(url: url, maximumConnections: 2, logger: TestDatabase.logger)
                    return try await driver.withRunning { try await Migrator(driver: driver).migrate(now: 1) }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        try await TestDatabase.dropPostgresDatabase(name)
        #expect(results.filter { !$0.isEmpty }.count == 1)
    }

    /// Two transactions that lock the same two rows in opposite orders: PostgreSQL aborts one as a deadlock victim,
    /// and the driver runs it again, so both commit.
    @Test func aDeadlockVictimIsRunAgain() async throws {
        let (name, url) = try await TestDatabase.createPostgresDatabase()
        let driver = try PostgresDriver(url: url, maximumConnections: 4, logger: TestDatabase.logger)
        let (runs, counts) = try await driver.withRunning {
            _ = try await driver.query("CREATE TABLE counters (id TEXT PRIMARY KEY, n BIGINT NOT NULL)")
            _ = try await driver.query("INSERT INTO counters VALUES ('a', 0), ('b', 0)")
            let gate = DeadlockGate()
            let runs = RunCounter()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (first, second) in [("a", "b"), ("b", "a")] {
                    group.addTask {
                        try await driver.transaction { connection in
                            runs.increment()
                            _ = try await connection.query("UPDATE counters SET n = n + 1 WHERE id = \(first)")
                            // Both hold their first row before either asks for its second (on a first run only).
                            await gate.arriveAndWait()
                            _ = try await connection.query("UPDATE counters SET n = n + 1 WHERE id = \(second)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            return (runs.value, try await driver.query("SELECT id, n FROM counters ORDER BY id").map { try $0.int("n") })
        }
        try await TestDatabase.dropPostgresDatabase(name)
        #expect(counts == [2, 2], "both transactions committed")
        #expect(runs == 3, "one of them ran twice")
    }
}

final class RunCounter: Sendable {
    private let count = Atomic<Int>(0)
    func increment() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

/// Lets two transactions go on once both have taken their first lock; later runs pass at once.
actor DeadlockGate {
    private var arrived = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func arriveAndWait() async {
        guard arrived < 2 else { return }
        arrived += 1
        if arrived == 2 {
            for continuation in waiting { continuation.resume() }
            waiting.removeAll()
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }
}
