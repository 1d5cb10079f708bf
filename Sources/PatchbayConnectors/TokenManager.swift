import Foundation
import Logging
import PatchbayCore
import PatchbayDelivery
import PatchbayStorage
import Synchronization

/// Keeps OAuth 2.0 installations supplied with access tokens. A refresh is single-flight twice over: within this
/// process, concurrent callers for one installation wait for the same refresh; across instances sharing a
/// database, the installation's refresh lease lets one instance refresh while the others re-read until the new
/// token lands (Nango's lock-then-re-read). A token endpoint's `invalid_grant` marks the installation
/// `reauthorization_required` and emits `integration.reauthorization_required`, once.
public final class TokenManager: Sendable {
    let store: Store
    let caller: RetryingCaller
    let clock: any TimeSource
    let configuration: ConnectorConfiguration
    let logger: Logger
    /// Identifies this instance's leases.
    let owner = UUID().uuidString
    private let flights = Mutex<[String: [CheckedContinuation<String, any Error>]]>([:])

    public init(store: Store, client: GuardedHTTPClient, clock: any TimeSource, configuration: ConnectorConfiguration, logger: Logger) {
        self.store = store
        self.caller = RetryingCaller(client: client, configuration: configuration)
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
    }

    /// A usable access token for the installation, refreshed first when the settings say it is due. With
    /// `rejected`, the caller saw this token refused (401) and wants a new one unless someone already replaced it.
    public func accessToken(for installation: Installation, auth: APISettings.Auth, rejected: String? = nil) async throws -> String {
        guard let secrets = try await store.installations.secrets(of: installation.id) else {
            throw PatchbayError.notFound("Installation \(installation.id)")
        }
        if let tokens = secrets.tokens, tokens.accessToken != rejected, !tokens.needsRefresh(at: clock.nowMillis, auth: auth) {
            return tokens.accessToken
        }
        return try await singleFlight(installation.id) {
            try await self.refresh(installation, auth: auth, seen: secrets, rejected: rejected)
        }
    }

    /// Runs `work` once for concurrent callers with the same key; the others get its result.
    private func singleFlight(_ key: String, _ work: () async throws -> String) async throws -> String {
        let isLeader = flights.withLock { flights -> Bool in
            if flights[key] != nil { return false }
            flights[key] = []
            return true
        }
        if !isLeader {
            do {
                return try await withCheckedThrowingContinuation { continuation in
                    let joined = flights.withLock { flights -> Bool in
                        guard flights[key] != nil else { return false }
                        flights[key]!.append(continuation)
                        return true
                    }
                    // The leader finished between our two looks: start over.
                    if !joined { continuation.resume(throwing: RetryFlight()) }
                }
            } catch is RetryFlight {
                return try await singleFlight(key, work)
            }
        }
        let result: Result<String, any Error>
        do { result = .success(try await work()) } catch { result = .failure(error) }
        let waiters = flights.withLock { $0.removeValue(forKey: key) ?? [] }
        for waiter in waiters { waiter.resume(with: result) }
        return try result.get()
    }

    private struct RetryFlight: Error {}

    /// Takes the lease (or waits for whoever holds it), re-reads, and refreshes only if nobody else did.
    private func refresh(_ installation: Installation, auth: APISettings.Auth, seen: InstallationRepository.Secrets, rejected: String?)
        async throws -> String
    {
        let id = installation.id
        // Real elapsed time bounds the wait, whatever the injected clock says.
        let deadline = ContinuousClock.now + .milliseconds(configuration.refreshLeaseMillis + 5_000)
        while true {
            if try await store.installations.acquireRefreshLease(
                for: id, owner: owner, now: clock.nowMillis, durationMillis: configuration.refreshLeaseMillis)
            {
                do {
                    guard let current = try await store.installations.secrets(of: id) else { throw PatchbayError.notFound("Installation \(id)") }
                    if let token = usable(current, seen: seen, auth: auth, rejected: rejected) {
                        try await store.installations.releaseRefreshLease(for: id, owner: owner)
                        return token
                    }
                    let tokens = try await obtain(installation, auth: auth, secrets: current)
                    try await store.installations.storeTokens(tokens, for: id, refreshDueAt: tokens.refreshDueAt(auth: auth), now: clock.nowMillis)
                    return tokens.accessToken
                } catch {
                    try? await store.installations.releaseRefreshLease(for: id, owner: owner)
                    throw error
                }
            }
            // Another instance refreshes: wait for its token to land.
            try await Task.sleep(for: .milliseconds(configuration.refreshPollMillis))
            guard let current = try await store.installations.secrets(of: id) else { throw PatchbayError.notFound("Installation \(id)") }
            if let token = usable(current, seen: seen, auth: auth, rejected: rejected) { return token }
            if current.tokenVersion != seen.tokenVersion, current.tokens == nil {
                throw Self.needsAuthorization(installation, reauthorization: true)
            }
            if ContinuousClock.now > deadline {
                throw PatchbayError(.gatewayTimeout, "Another instance's token refresh for installation \(id) did not finish in time.")
            }
        }
    }

    /// A token someone else stored after we looked, or one that is simply still good.
    private func usable(_ current: InstallationRepository.Secrets, seen: InstallationRepository.Secrets, auth: APISettings.Auth, rejected: String?)
        -> String?
    {
        guard let tokens = current.tokens, tokens.accessToken != rejected else { return nil }
        if current.tokenVersion != seen.tokenVersion { return tokens.accessToken }
        return tokens.needsRefresh(at: clock.nowMillis, auth: auth) ? nil : tokens.accessToken
    }

    /// Calls the token endpoint with the grant the installation's state allows.
    private func obtain(_ installation: Installation, auth: APISettings.Auth, secrets: InstallationRepository.Secrets) async throws -> OAuthTokens {
        if let refreshToken = secrets.tokens?.refreshToken {
            let result = try await exchange(
                .refresh(refreshToken: refreshToken, redirectURI: nil), auth: auth, credentials: secrets.credentials,
                previousRefreshToken: refreshToken)
            switch result {
            case .tokens(let tokens):
                return tokens
            case .rejected(let error, let description) where error == "invalid_grant":
                // A client-credentials installation can start over; an authorized one needs its user again.
                if auth.grantType == .clientCredentials { break }
                try await markReauthorizationRequired(installation, reason: "invalid_grant" + (description.map { ": \($0)" } ?? ""))
                throw Self.needsAuthorization(installation, reauthorization: true)
            case .rejected(let error, let description):
                throw PatchbayError(.badGateway, "The token endpoint refused the refresh: \(error)\(description.map { " (\($0))" } ?? "").")
            case .malformed(let reason):
                throw PatchbayError(.badGateway, "The token endpoint's answer was unusable: \(reason).")
            }
        }
        switch auth.grantType {
        case .clientCredentials?:
            switch try await exchange(.clientCredentials, auth: auth, credentials: secrets.credentials, previousRefreshToken: nil) {
            case .tokens(let tokens):
                return tokens
            case .rejected(let error, let description):
                throw PatchbayError(
                    .badGateway, "The token endpoint refused the client credentials: \(error)\(description.map { " (\($0))" } ?? "").")
            case .malformed(let reason):
                throw PatchbayError(.badGateway, "The token endpoint's answer was unusable: \(reason).")
            }
        default:
            if secrets.tokens != nil {
                try await markReauthorizationRequired(installation, reason: "the access token expired and the provider gave no refresh token")
                throw Self.needsAuthorization(installation, reauthorization: true)
            }
            throw Self.needsAuthorization(installation, reauthorization: false)
        }
    }

    /// One token request, retried on network failures, 429 and 5xx.
    func exchange(_ grant: OAuthProtocol.Grant, auth: APISettings.Auth, credentials: ConnectorCredentials, previousRefreshToken: String?)
        async throws -> OAuthProtocol.TokenResult
    {
        guard let request = OAuthProtocol.tokenRequest(grant: grant, auth: auth, credentials: credentials) else {
            throw PatchbayError.invalid("/api/auth/tokenUrl", "is required for OAuth 2.0")
        }
        let outcome = try await caller.call(request, retry: true, alsoRetry: [500])
        if [429, 500, 502, 503, 504].contains(outcome.response.status) {
            throw PatchbayError(.badGateway, "The token endpoint answered \(outcome.response.status) after \(outcome.attempts) attempts.")
        }
        return OAuthProtocol.readTokenResponse(
            status: outcome.response.status, body: outcome.response.body, auth: auth, now: clock.nowMillis, previousRefreshToken: previousRefreshToken
        )
    }

    func markReauthorizationRequired(_ installation: Installation, reason: String) async throws {
        let now = clock.nowMillis
        guard let organization = try await store.organizations.find(id: installation.organizationId) else { return }
        var changed = installation
        changed.state = .reauthorizationRequired
        changed.stateReason = reason
        changed.tokenExpiresAt = nil
        changed.updatedAt = now
        let event = try Event.describing(
            changed, type: "integration.reauthorization_required", organizationId: organization.id, organizationPath: organization.path,
            actor: .system, at: now)
        if try await store.installations.requireAuthorization(
            installation.id, state: .reauthorizationRequired, reason: reason, event: event, now: now)
        {
            logger.warning("installation needs reauthorization", metadata: ["pb.installation": "\(installation.id)", "pb.reason": "\(reason)"])
        }
    }

    static func needsAuthorization(_ installation: Installation, reauthorization: Bool) -> PatchbayError {
        PatchbayError(
            .conflict,
            "Installation \(installation.id) needs \(reauthorization ? "re" : "")authorization: send its user to "
                + "GET /v1/organizations/\(installation.organizationId)/installations/\(installation.id)/oauth/authorize.")
    }
}
