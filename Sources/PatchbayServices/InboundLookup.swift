import PatchbayCore
import PatchbayStorage
import Synchronization

/// What a `/in/…` request needs before it can be verified: the endpoint (its sealed settings opened), its
/// organization and its event type. Kept for a second per URL, so a provider's burst costs one lookup instead of
/// three queries and two decryptions per request. Changes made through this instance take effect at once; another
/// instance sharing the database sees them within `lifetime`.
public final class InboundLookup: Sendable {
    public struct Entry: Sendable {
        public var inbound: InboundWebhook
        public var organization: Organization
        public var eventType: EventType
        var expires: ContinuousClock.Instant
    }

    static let lifetime: Duration = .seconds(1)
    static let capacity = 10_000

    private let entries = Mutex<[String: Entry]>([:])

    /// The endpoint behind `token` when it exists, is active and its event type is still registered.
    func find(token: String, services: Services) async throws -> Entry? {
        let now = ContinuousClock.now
        if let entry = entries.withLock({ $0[token] }), entry.expires > now { return entry }
        guard let inbound = try await services.store.inbound.find(urlToken: token), inbound.active,
            let organization = try await services.store.organizations.find(id: inbound.organizationId),
            let eventType = try await services.eventTypes.find(inbound.eventType)
        else {
            forget(token: token)
            return nil
        }
        let entry = Entry(inbound: inbound, organization: organization, eventType: eventType, expires: now + Self.lifetime)
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = entry
        }
        return entry
    }

    public func forget(token: String) {
        _ = entries.withLock { $0.removeValue(forKey: token) }
    }
}
