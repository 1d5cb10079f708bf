import Foundation
import PatchbayConnectors
import PatchbayCore

/// Everything `patchbay serve` can be told, with the zero-configuration defaults.
public struct PatchbayConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port (tests).
    public var port = 8080
    public var dataDirectory = "./patchbay-data"
    /// PostgreSQL instead of SQLite when set.
    public var databaseURL: String?
    /// Lets webhooks target loopback and private addresses over http (development and tests).
    public var allowPrivateTargets = false
    public var retrySchedule = RetrySchedule.standard
    /// Whether this instance runs the delivery worker. Off for an API-only instance beside others that deliver
    /// (sharing PostgreSQL); events published meanwhile wait in the outbox.
    public var runsDeliveries = true
    public var maxBodyBytes = 1 << 20
    /// The cap on an uploaded API description.
    public var maxDocumentBytes = 32 * 1024 * 1024
    /// `PATCHBAY_ADMIN_TOKEN`: an admin token that lives only in the environment.
    public var adminToken: String?
    /// `PATCHBAY_PUBLIC_URL` / `--public-url`: where browsers and OAuth providers reach this server.
    public var publicURL: String?
    /// `--console-frame-ancestors`: origins allowed to frame the console (none by default).
    public var consoleFrameAncestors: [String] = []
    /// `PATCHBAY_CONSOLE_RESOURCES`: where the console's templates and assets are, when not beside the executable.
    public var consoleResourcesPath: String?
    /// `--rate-limit`: requests a second per non-admin token (bursts of twice that); 0 turns it off.
    public var rateLimit = 100
    /// `--inbound-rate-limit`: requests a second per inbound URL (bursts of twice that); 0 turns it off.
    public var inboundRateLimit = 100
    /// `--max-document-parses`: large API descriptions parsed at once; more answer 503 with `Retry-After`.
    public var maxDocumentParses = 2
    /// Timeouts, retries and caps of action runs and token requests.
    public var connectors = ConnectorConfiguration()
    /// `--command-timeout`: how long a slash command waits for the integration's answer (100 ms to 30 s).
    public var commandTimeoutMillis: Int64 = 3_000
    /// `--retention`: how long events, deliveries, inbound requests and idempotency keys are kept.
    public var retention = RetentionPolicy.standard
    /// How often the retention pass runs; nil for the policy's own interval (tests shorten it).
    public var retentionPassMillis: Int64?

    public init() {}

    /// An environment admin token must be long enough not to be guessed.
    public static let minimumAdminTokenLength = 24

    /// The reason the configuration cannot start a server, or nil.
    public var problem: String? {
        if let publicURL, URLComponents(string: publicURL)?.host == nil || !(publicURL.hasPrefix("http://") || publicURL.hasPrefix("https://")) {
            return "the public URL must be an absolute http or https URL such as https://patchbay.example.com (got \(publicURL.prefix(100)))"
        }
        if let adminToken, adminToken.count < Self.minimumAdminTokenLength {
            return "PATCHBAY_ADMIN_TOKEN must be at least \(Self.minimumAdminTokenLength) characters (got \(adminToken.count)); use a random value"
        }
        return nil
    }

    /// Reads `PATCHBAY_ADMIN_TOKEN` from `environment`, and `PATCHBAY_DATABASE_URL` and `PATCHBAY_PUBLIC_URL` where
    /// no flag set them (a flag wins over its environment variable).
    public mutating func apply(environment: [String: String]) {
        if let token = environment["PATCHBAY_ADMIN_TOKEN"], !token.isEmpty { adminToken = token }
        if databaseURL == nil, let url = environment["PATCHBAY_DATABASE_URL"], !url.isEmpty { databaseURL = url }
        if publicURL == nil, let url = environment["PATCHBAY_PUBLIC_URL"], !url.isEmpty { publicURL = url }
        if consoleResourcesPath == nil, let path = environment["PATCHBAY_CONSOLE_RESOURCES"], !path.isEmpty { consoleResourcesPath = path }
    }
}
