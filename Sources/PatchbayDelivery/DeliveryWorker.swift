import Foundation
import Logging
import PatchbayCore
import PatchbayStorage
import ServiceLifecycle
import Synchronization

/// Sends due deliveries. A `Service`: it claims due deliveries with a lease (so a crashed instance's work is taken
/// over when the lease runs out), keeps at most `perWebhookConcurrency` requests in flight per webhook (a slow or
/// dead endpoint holds only its own slots, never the others'), and records every attempt. Failures are retried on
/// the schedule; `410 Gone`, or failing a whole schedule without any success, disables the webhook.
///
/// Claimed deliveries wait in a lane per webhook. Each of a webhook's slots is a task that sends its lane's jobs one
/// after another, so a finished request is followed by the next without a trip through the claim loop; the loop
/// claims again when a lane runs low, when deliveries are queued, or every poll interval. Attempts are recorded
/// through a group commit, so a busy engine writes one transaction per batch of attempts rather than one per attempt.
public final class DeliveryWorker: Service, Sendable {
    public struct Configuration: Sendable {
        /// How long the loop sleeps when nothing wakes it: a publish, a resend or a freed slot wakes it at once.
        public var pollInterval: Duration = .milliseconds(250)
        public var leaseMillis: Int64 = 120_000
        public var claimBatch = 128
        public var perWebhookConcurrency = 16
        /// Claimed deliveries one webhook may hold, waiting and in flight: enough that its slots never wait for a
        /// claim under load, few enough that the room stays shared.
        public var perWebhookHeld = 64
        /// Claimed deliveries not yet recorded, across all webhooks.
        public var maxHeld = 1024
        /// The share of `maxHeld` one organization may hold: its hanging webhooks cannot take the room another
        /// organization's deliveries need.
        public var perOrganizationHeld = 512
        /// How long a slot waits for its webhook's `rateLimit` to allow a send before it hands the delivery back
        /// (due at the next second, without an attempt).
        public var rateLimitWait: Duration = .seconds(2)

        public init() {}
    }

    /// A claimed delivery with what is needed to send it. A class: a job moves through lanes and lists, and a copy
    /// of the structs retained every string of the delivery and the webhook each time.
    final class Job: Sendable {
        let delivery: Delivery
        let webhook: Webhook
        let events: [EventEnvelope]
        let claimedAt: Int64

        init(delivery: Delivery, webhook: Webhook, events: [EventEnvelope], claimedAt: Int64) {
            self.delivery = delivery
            self.webhook = webhook
            self.events = events
            self.claimedAt = claimedAt
        }
    }

    /// A lane's waiting jobs, taken from the front without moving the rest (a lane takes one per send).
    struct JobQueue {
        private var jobs: [Job] = []
        private var head = 0

        var count: Int { jobs.count - head }
        var isEmpty: Bool { head == jobs.count }
        var remaining: ArraySlice<Job> { jobs[head...] }

        mutating func append(_ job: Job) { jobs.append(job) }

        mutating func popFirst() -> Job? {
            guard head < jobs.count else { return nil }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 64, head * 2 >= jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            return job
        }
    }

    private struct Lanes {
        var waiting: [String: JobQueue] = [:]
        var running: [String: Int] = [:]
        var held = 0
        var heldByOrganization: [String: Int] = [:]

        func load(of webhookId: String) -> Int { (waiting[webhookId]?.count ?? 0) + (running[webhookId] ?? 0) }
    }

    private let store: Store
    private let sender: WebhookSender
    private let retryPolicy: RetryPolicy
    private let clock: any TimeSource
    private let configuration: Configuration
    private let logger: Logger
    private let owner = "worker-" + UUID().uuidString
    private let lanes = Mutex(Lanes())
    private let recorder: CompletionRecorder
    /// Until when a search past busy webhooks' deliveries is not repeated: it reads all of theirs, and the last one
    /// found nothing.
    private let searchPastBusyAfter = Mutex(ContinuousClock.now)
    /// The busy webhooks and organizations of the last claim, when its window held only their rows: while they stay
    /// busy (and the search past them waits), claiming again would read that same window to take nothing. Lanes ring
    /// for a claim as they run low, so without this a busy webhook's lane made two of every three claims empty.
    private let windowAllBusyWith = Mutex<(webhooks: Set<String>, organizations: Set<String>)?>(nil)
    private var wake: Doorbell { store.driver.deliveriesQueued }
    private let claimCounts = Mutex(ClaimCounts())

    /// What the claims have yielded so far, for the benchmark: how a drain's claims went is half of why it runs as fast
    /// as it does.
    public struct ClaimCounts: Sendable {
        public var claims = 0
        public var claimed = 0
        /// Claims that found nothing to take (every due delivery leased, or its webhook's lane full).
        public var empty = 0
        public var searchesPastBusy = 0
        /// Claiming and reading what the claimed deliveries need, in all (waiting for a reader included).
        public var time = Duration.zero
    }

    public var claimCountsSoFar: ClaimCounts { claimCounts.withLock { $0 } }

    public init(
        store: Store, sender: WebhookSender, retryPolicy: RetryPolicy, clock: any TimeSource, configuration: Configuration = .init(), logger: Logger
    ) {
        self.store = store
        self.sender = sender
        self.retryPolicy = retryPolicy
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
        self.recorder = CompletionRecorder(store: store, logger: logger)
    }

    public func run() async throws {
        await withDiscardingTaskGroup { recording in
            recording.addTask { await self.recorder.run() }
            await withDiscardingTaskGroup { group in
                // Stops claiming on graceful shutdown; deliveries already started finish (the group waits for them).
                while !Task.isCancelled, !Task.isShuttingDownGracefully {
                    let claimed = await claim()
                    for job in startable() {
                        group.addTask { await self.runLane(from: job) }
                    }
                    if claimed < configuration.claimBatch { await wake.wait(upTo: configuration.pollInterval) }
                }
            }
            // Deliveries claimed but never started go back at once rather than when their lease runs out.
            let unstarted = lanes.withLock { lanes in
                defer { lanes.waiting.removeAll() }
                return lanes.waiting.values.flatMap { $0.remaining.map(\.delivery.id) }
            }
            try? await store.deliveries.release(unstarted, owner: owner, now: clock.nowMillis)
            // The recorder writes what the finished lanes handed it, then returns.
            recorder.stop()
        }
    }

    /// One slot of a webhook: sends its lane's jobs one after another until the lane is empty (or we stop).
    private func runLane(from first: Job) async {
        var next: Job? = first
        while let job = next {
            await process(job)
            next = nextJob(for: job.webhook.id, organizationId: job.webhook.organizationId)
        }
    }

    private func nextJob(for webhookId: String, organizationId: String) -> Job? {
        let stopping = Task.isCancelled || Task.isShuttingDownGracefully
        let (job, runningLow) = lanes.withLock { lanes -> (Job?, Bool) in
            if !stopping, let job = lanes.waiting[webhookId]?.popFirst() {
                let waiting = lanes.waiting[webhookId]?.count ?? 0
                if waiting == 0 { lanes.waiting[webhookId] = nil }
                // Running low: ask for more a few times on the way down (rings fold into one claim while it runs),
                // while the claim would not find the lane full.
                let quarter = max(1, configuration.perWebhookConcurrency / 4)
                let load = waiting + (lanes.running[webhookId] ?? 0)
                let crowded = lanes.heldByOrganization[organizationId] ?? 0 >= configuration.perOrganizationHeld
                return (job, load <= configuration.perWebhookHeld - quarter && !crowded && waiting % quarter == 0)
            }
            lanes.running[webhookId, default: 1] -= 1
            if lanes.running[webhookId] == 0 { lanes.running[webhookId] = nil }
            return (nil, !stopping)
        }
        // The lane is running dry (or ran dry): claim more for it while it works through what it has.
        if runningLow { wake.ring() }
        return job
    }

    /// Claims what the free room allows, leaving out webhooks whose lanes are full; returns how many it claimed.
    private func claim() async -> Int {
        let (full, crowded, room) = lanes.withLock { lanes -> (Set<String>, Set<String>, Int) in
            let full = Set(
                (Array(lanes.waiting.keys) + Array(lanes.running.keys)).filter { lanes.load(of: $0) >= configuration.perWebhookHeld })
            let crowded = Set(lanes.heldByOrganization.filter { $0.value >= configuration.perOrganizationHeld }.keys)
            return (full, crowded, configuration.maxHeld - lanes.held)
        }
        guard room > 0 else { return 0 }
        let started = ContinuousClock.now
        let searchAllowed = searchPastBusyAfter.withLock { $0 } <= started
        if !searchAllowed, let last = windowAllBusyWith.withLock({ $0 }), last.webhooks.isSubset(of: full),
            last.organizations.isSubset(of: crowded)
        {
            return 0
        }
        do {
            let claim = try await store.deliveries.claim(
                owner: owner, now: clock.nowMillis, leaseMillis: configuration.leaseMillis, limit: min(configuration.claimBatch, room),
                busyWebhooks: full, busyOrganizations: crowded, searchPastBusy: searchAllowed
            )
            let claimed = claim.deliveries
            windowAllBusyWith.withLock { $0 = claim.windowAllBusy && claimed.isEmpty ? (full, crowded) : nil }
            defer {
                claimCounts.withLock { counts in
                    counts.claims += 1
                    counts.claimed += claimed.count
                    if claimed.isEmpty { counts.empty += 1 }
                    if claim.searchedPastBusy { counts.searchesPastBusy += 1 }
                    counts.time += ContinuousClock.now - started
                }
            }
            if claim.searchedPastBusy, claimed.isEmpty {
                // Deliveries queued behind a busy webhook's backlog wait a little; the search costs at most a tenth.
                let pause = max(.milliseconds(50), (ContinuousClock.now - started) * 10)
                searchPastBusyAfter.withLock { $0 = ContinuousClock.now + pause }
            }
            guard !claimed.isEmpty else { return 0 }
            let webhooks = try await store.webhooks.find(ids: Set(claimed.map { $0.webhookId }))
            let events = try await store.deliveries.envelopes(claimed.flatMap { $0.eventIds })
            let now = clock.nowMillis
            var jobs: [Job] = []
            var orphaned: [String] = []
            for delivery in claimed {
                guard let webhook = webhooks[delivery.webhookId] else {
                    orphaned.append(delivery.id)
                    continue
                }
                jobs.append(Job(delivery: delivery, webhook: webhook, events: delivery.eventIds.compactMap { events[$0] }, claimedAt: now))
            }
            try await store.deliveries.release(orphaned, owner: owner, now: now)
            jobs = try await batched(jobs)
            lanes.withLock { lanes in
                for job in jobs {
                    lanes.waiting[job.delivery.webhookId, default: JobQueue()].append(job)
                    lanes.heldByOrganization[job.webhook.organizationId, default: 0] += 1
                }
                lanes.held += jobs.count
            }
            return claimed.count
        } catch {
            logger.error("claiming deliveries failed", metadata: ["pb.error": "\(error)"])
            return 0
        }
    }

    /// Folds the fresh deliveries of each batching webhook into requests of up to its `maxEventsPerRequest` events.
    private func batched(_ jobs: [Job]) async throws -> [Job] {
        var result: [Job] = []
        var groups: [String: [[Job]]] = [:]
        for job in jobs {
            let limit = job.webhook.maxEventsPerRequest
            guard limit > 1, job.delivery.attemptCount == 0 else {
                result.append(job)
                continue
            }
            var webhookGroups = groups[job.webhook.id] ?? []
            if let last = webhookGroups.last, last.reduce(0, { $0 + $1.delivery.eventIds.count }) + job.delivery.eventIds.count <= limit {
                webhookGroups[webhookGroups.count - 1].append(job)
            } else {
                webhookGroups.append([job])
            }
            groups[job.webhook.id] = webhookGroups
        }
        for group in groups.values.joined() {
            guard group.count > 1, let lead = group.first else {
                result += group
                continue
            }
            guard let merged = try await store.deliveries.fold(group.map(\.delivery), owner: owner) else {
                // The lead is someone else's now; the rest go back rather than wait out their leases.
                try await store.deliveries.release(group.dropFirst().map(\.delivery.id), owner: owner, now: clock.nowMillis)
                continue
            }
            let events = Dictionary(group.flatMap(\.events).map { ($0.eventId, $0) }, uniquingKeysWith: { first, _ in first })
            result.append(Job(delivery: merged, webhook: lead.webhook, events: merged.eventIds.compactMap { events[$0] }, claimedAt: lead.claimedAt))
        }
        return result
    }

    /// Takes the jobs whose webhooks have a free slot, oldest first within each lane.
    private func startable() -> [Job] {
        lanes.withLock { lanes in
            var jobs: [Job] = []
            for webhookId in lanes.waiting.keys.sorted() {
                var running = lanes.running[webhookId] ?? 0
                while running < configuration.perWebhookConcurrency, let job = lanes.waiting[webhookId]?.popFirst() {
                    jobs.append(job)
                    running += 1
                }
                if lanes.waiting[webhookId]?.isEmpty == true { lanes.waiting[webhookId] = nil }
                lanes.running[webhookId] = running == 0 ? nil : running
            }
            return jobs
        }
    }

    private func process(_ job: Job) async {
        var handedOff = false
        let organizationId = job.webhook.organizationId
        defer { if !handedOff { finished(organizationId) } }
        do {
            // A job that waited in its lane re-reads its webhook: it may have been paused or changed meanwhile.
            if clock.nowMillis - job.claimedAt > 1000 {
                guard let current = try await store.webhooks.find(id: job.webhook.id), current.state == .active || current.state == .failing
                else {
                    try await store.deliveries.release([job.delivery.id], owner: owner, now: clock.nowMillis)
                    return
                }
                handedOff = try await send(job, webhook: current)
            } else {
                // The job's own values are passed on, not copied: a copy of a delivery and a webhook retained every one
                // of their strings, shared with the webhook's other lanes on other threads.
                handedOff = try await send(job, webhook: job.webhook)
            }
        } catch {
            logger.error(
                "processing a delivery failed; its lease will expire and it will be retried",
                metadata: ["pb.delivery.id": "\(job.delivery.id)", "pb.webhook.id": "\(job.webhook.id)", "pb.error": "\(error)"])
        }
    }

    /// Folds more events into a batching webhook's delivery, then sends it; true when the recorder took it over
    /// (it calls `finished` once the attempt is written).
    private func send(_ job: Job, webhook: Webhook) async throws -> Bool {
        if webhook.maxEventsPerRequest > 1, job.delivery.eventIds.count < webhook.maxEventsPerRequest {
            let delivery = try await store.deliveries.absorb(
                into: job.delivery, maxEvents: webhook.maxEventsPerRequest, owner: owner, now: clock.nowMillis)
            var events = job.events
            if delivery.eventIds.count > events.count {
                let more = try await store.deliveries.envelopes(delivery.eventIds.dropFirst(events.count))
                events += delivery.eventIds.dropFirst(events.count).compactMap { more[$0] }
            }
            return try await send(delivery, events: events, webhook: webhook, heldBy: job.webhook.organizationId)
        }
        return try await send(job.delivery, events: job.events, webhook: webhook, heldBy: job.webhook.organizationId)
    }

    /// `organizationId` is the one the job's room was counted against.
    private func send(_ delivery: Delivery, events: [EventEnvelope], webhook: Webhook, heldBy organizationId: String) async throws -> Bool {
        guard !events.isEmpty else {
            // Its events are gone (retention removed them): it cannot be sent, and claiming it again would not
            // change that. It ends failed, with the reason in its history.
            let now = clock.nowMillis
            let attempt = DeliveryAttempt(
                id: Identifier.make(.attempt, nowMillis: now), deliveryId: delivery.id, sentAt: now, url: webhook.url, statusCode: nil,
                result: .error, durationMs: 0, requestHeaders: [:], requestBody: "", responseHeaders: [:], responseBody: nil,
                error: "not sent: its events no longer exist (removed by retention)", signedWith: [])
            try await recorder.record(.init(delivery: delivery, attempt: attempt, status: .failed, nextAttemptAt: nil, webhookState: webhook.state))
            return false
        }
        if let limit = webhook.rateLimit, try await !waitForRateSlot(webhook.id, limit: limit) {
            // Not an attempt: the delivery is due again when the next second's sends open.
            try await store.deliveries.postpone([delivery.id], until: (clock.nowMillis / 1000 + 1) * 1000, owner: owner)
            return false
        }
        let now = clock.nowMillis
        let request = WebhookRequest.make(webhook: webhook, envelopes: events, messageId: delivery.id, timestamp: now / 1000, now: now)
        let outcome = await sender.send(request, verifyTls: webhook.verifyTls)
        guard outcome.result == .success else {
            try await recordFailure(outcome, of: delivery, for: webhook)
            return false
        }
        // The lane moves on at once; the attempt is committed with others' in the next group write.
        let completion = DeliveryCompletion(
            delivery: delivery, attempt: outcome.attempt(deliveryId: delivery.id), status: .succeeded, nextAttemptAt: nil, webhookState: .active)
        let (logger, deliveryId, webhookId) = (logger, delivery.id, webhook.id)
        recorder.submit(completion) { result in
            if case .failure(let error) = result {
                // Metadata built only when it is logged (building it for every delivery cost more than the signing).
                logger.error(
                    "recording a delivery failed; its lease will expire and it will be sent again",
                    metadata: ["pb.delivery.id": "\(deliveryId)", "pb.webhook.id": "\(webhookId)", "pb.error": "\(error)"])
            }
            self.finished(organizationId)
        }
        return true
    }

    /// Takes a send from the webhook's `rateLimit` (shared by every instance through the database), waiting for the
    /// next second while the current one is spent; false when `rateLimitWait` passes first.
    private func waitForRateSlot(_ webhookId: String, limit: Int) async throws -> Bool {
        let deadline = ContinuousClock.now + configuration.rateLimitWait
        while true {
            if try await store.webhooks.takeRateSlot(webhookId: webhookId, limit: limit, now: clock.nowMillis) { return true }
            guard ContinuousClock.now < deadline, !Task.isCancelled, !Task.isShuttingDownGracefully else { return false }
            let untilNextSecond = 1000 - clock.nowMillis % 1000
            try await Task.sleep(for: .milliseconds(min(max(untilNextSecond, 5), 100)))
        }
    }

    /// A claimed job is done with (recorded, released or abandoned to its lease): its room can be claimed again.
    private func finished(_ organizationId: String) {
        let held = lanes.withLock { lanes in
            lanes.held -= 1
            let organizationHeld = (lanes.heldByOrganization[organizationId] ?? 1) - 1
            lanes.heldByOrganization[organizationId] = organizationHeld > 0 ? organizationHeld : nil
            return (lanes.held, organizationHeld)
        }
        // Room again, for all or for this organization (whose lanes did not ask for more while it was crowded).
        if held.0 == configuration.maxHeld / 2 || held.1 == configuration.perOrganizationHeld * 3 / 4 { wake.ring() }
    }

    private func recordFailure(_ outcome: AttemptOutcome, of delivery: Delivery, for webhook: Webhook) async throws {
        let attempt = outcome.attempt(deliveryId: delivery.id)
        if outcome.statusCode == 410 {
            try await recorder.record(.init(delivery: delivery, attempt: attempt, status: .failed, nextAttemptAt: nil, webhookState: .failing))
            try await disable(webhook, reason: "the endpoint answered 410 Gone")
            return
        }
        let next = retryPolicy.nextAttempt(
            after: delivery.attemptCount + 1, now: clock.nowMillis, retryAfterMillis: outcome.retryAfterMillis, unit: Double.random(in: 0..<1)
        )
        try await recorder.record(
            .init(delivery: delivery, attempt: attempt, status: next == nil ? .failed : .retrying, nextAttemptAt: next, webhookState: .failing)
        )
        // Only the attempt that runs out the schedule can disable: a resend of a delivery that had already run it out
        // fails alone.
        let ranOut = next == nil && delivery.attemptCount <= retryPolicy.schedule.delaysInSeconds.count
        if ranOut, try await !store.deliveries.hasSucceeded(webhookId: webhook.id, since: delivery.createdAt) {
            try await disable(webhook, reason: "no delivery succeeded for the whole retry schedule")
        }
    }

    private func disable(_ webhook: Webhook, reason: String) async throws {
        guard let organization = try await store.organizations.find(id: webhook.organizationId) else { return }
        let now = clock.nowMillis
        let event = Event(
            id: Identifier.make(.event, nowMillis: now),
            type: "webhook.disabled",
            organizationId: organization.id,
            organizationPath: organization.path,
            actor: .system,
            // The host, not the URL: capability URLs (Slack's, for one) carry their secret in the path.
            data: ["webhookId": .string(webhook.id), "host": .string(URL(string: webhook.url)?.host ?? ""), "reason": .string(reason)],
            createdAt: now
        )
        try await store.webhooks.disable(webhook, event: event, at: now)
        logger.warning("webhook disabled", metadata: ["pb.webhook.id": "\(webhook.id)", "pb.reason": "\(reason)"])
    }
}
