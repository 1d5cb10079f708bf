import Foundation
import PatchbayCore
import PatchbayStorage

/// The authorization code flow (RFC 6749 §4.1 with PKCE S256, RFC 7636): `begin` records a single-use `state`
/// and the verifier and gives the provider URL to send the user to; `complete` takes the provider's return to
/// `/oauth/callback`, exchanges the code with the verifier and stores the tokens.
public struct OAuthAuthorizer: Sendable {
    let store: Store
    let tokens: TokenManager
    let clock: any TimeSource
    let configuration: ConnectorConfiguration

    public init(store: Store, tokens: TokenManager, clock: any TimeSource, configuration: ConnectorConfiguration) {
        self.store = store
        self.tokens = tokens
        self.clock = clock
        self.configuration = configuration
    }

    public func begin(installation: Installation, auth: APISettings.Auth, credentials: ConnectorCredentials, redirectURI: String) async throws
        -> String
    {
        guard auth.type == .oauth2, auth.grantType == .authorizationCode else {
            throw PatchbayError(.conflict, "This integration does not use the OAuth 2.0 authorization code grant.")
        }
        guard let clientId = credentials.clientId else { throw PatchbayError(.conflict, "The installation has no clientId.") }
        let state = OAuthProtocol.makeState()
        let verifier = OAuthProtocol.makeVerifier()
        guard let url = OAuthProtocol.authorizationURL(auth: auth, clientId: clientId, redirectURI: redirectURI, state: state, verifier: verifier)
        else { throw PatchbayError.invalid("/api/auth/authorizationUrl", "is required for the authorization code grant") }
        let now = clock.nowMillis
        try await store.installations.insertAuthorizationRequest(
            state: state, installationId: installation.id, verifier: verifier, redirectURI: redirectURI,
            expiresAt: now + configuration.authorizationRequestLifetimeMillis, now: now)
        return url
    }

    /// Completes an authorization. The `state` is taken first, so a replayed callback finds nothing.
    public func complete(state: String, code: String?, error: String?, errorDescription: String?) async throws -> Installation {
        guard !state.isEmpty, state.count <= 200,
            let pending = try await store.installations.takeAuthorizationRequest(state: state, now: clock.nowMillis)
        else {
            throw PatchbayError(.malformed, "The authorization request is unknown, expired or already used; start again.")
        }
        guard let installation = try await store.installations.find(id: pending.installationId),
            let api = try await store.actions.api(integrationId: installation.integrationId),
            let secrets = try await store.installations.secrets(of: installation.id)
        else { throw PatchbayError.notFound("Installation \(pending.installationId)") }
        if let error {
            throw PatchbayError(
                .conflict, "The provider did not authorize: \(error.prefix(100))\(errorDescription.map { " (\($0.prefix(300)))" } ?? "").")
        }
        guard let code, !code.isEmpty, code.count <= 4096 else { throw PatchbayError.invalidParameter("code", "is required") }
        let result = try await tokens.exchange(
            .authorizationCode(code: code, verifier: pending.verifier, redirectURI: pending.redirectURI), auth: api.settings.auth,
            credentials: secrets.credentials, previousRefreshToken: nil)
        switch result {
        case .tokens(let obtained):
            try await store.installations.storeTokens(
                obtained, for: installation.id, refreshDueAt: obtained.refreshDueAt(auth: api.settings.auth), now: clock.nowMillis)
            return try await store.installations.find(id: installation.id) ?? installation
        case .rejected(let error, let description):
            throw PatchbayError(.badGateway, "The token endpoint refused the code: \(error)\(description.map { " (\($0))" } ?? "").")
        case .malformed(let reason):
            throw PatchbayError(.badGateway, "The token endpoint's answer was unusable: \(reason).")
        }
    }
}
