import Hummingbird
import Logging
import PatchbayCore

/// Carries the authenticated principal and the body limit through middleware to the controllers.
public struct PatchbayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthenticationMiddleware`; nil on public routes.
    public var principal: Principal?
    public var maxBodyBytes: Int

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.principal = nil
        self.maxBodyBytes = HTTPSettings.defaultMaxBodyBytes
    }

    public var maxUploadSize: Int { maxBodyBytes }

    /// The principal, or 401 when the route was reached without authentication.
    public func requirePrincipal() throws -> Principal {
        guard let principal else { throw PatchbayError(.unauthenticated, "A bearer token is required.") }
        return principal
    }
}

/// Edge settings that controllers and middleware share.
public struct HTTPSettings: Sendable {
    public static let defaultMaxBodyBytes = 1 << 20

    public var maxBodyBytes: Int
    /// API descriptions (`/v1/openapi/lint`, `…/integrations/import`) are larger than other bodies.
    public var maxDocumentBytes = 32 * 1024 * 1024
    /// The `PATCHBAY_ADMIN_TOKEN` value, if any: an admin token that lives only in the environment.
    public var environmentAdminToken: String?
    /// `--allow-private-targets`: webhook URLs may use http and private or loopback addresses.
    public var allowPrivateTargets: Bool
    /// `PATCHBAY_PUBLIC_URL`: where browsers and OAuth providers reach this server (the OAuth redirect URI is built
    /// from it). Without it, the scheme and host of the authorize request are used.
    public var publicURL: String?
    /// `--rate-limit`: requests a second per non-admin token (bursts of twice that); 0 turns the limit off.
    public var rateLimit = 100
    /// `--inbound-rate-limit`: requests a second per inbound URL (bursts of twice that); 0 turns the limit off.
    public var inboundRateLimit = 100
    /// `--max-document-parses`: API descriptions of 256 KiB or more parsed at once; more answer 503.
    public var maxDocumentParses = 2
    /// `--command-timeout`: how long a slash command's invocation waits for the integration's answer.
    public var commandTimeoutMillis: Int64 = 3_000

    public init(maxBodyBytes: Int = defaultMaxBodyBytes, environmentAdminToken: String? = nil, allowPrivateTargets: Bool = false) {
        self.maxBodyBytes = maxBodyBytes
        self.environmentAdminToken = environmentAdminToken
        self.allowPrivateTargets = allowPrivateTargets
    }
}
