import NIOCore

/// Limits and timings of the connectors runtime. The defaults suit production; tests shorten the waits.
public struct ConnectorConfiguration: Sendable {
    /// Per request, connect to last byte.
    public var timeout: TimeAmount = .seconds(30)
    /// A response larger than this fails the run (502) instead of returning a cut-off body.
    public var maxResponseBytes = 8 * 1024 * 1024
    /// Attempts per request, counting the first (retries only for idempotent methods and token requests).
    public var maxAttempts = 3
    /// The first retry's delay; each further one doubles, with ±20 % jitter.
    public var backoffMillis: Int64 = 250
    /// A `Retry-After` beyond this fails the call rather than holding the run open.
    public var maxRetryAfterMillis: Int64 = 30_000
    /// How long a refresh may hold the installation's lease before another instance may take over.
    public var refreshLeaseMillis: Int64 = 30_000
    /// How often a waiter re-reads the installation while another instance refreshes.
    public var refreshPollMillis: Int64 = 50
    /// How often the background refresher looks for installations whose refresh is due.
    public var refreshScanMillis: Int64 = 30_000
    /// Background refreshes run side by side, at most this many at once (a slow token endpoint holds only its own).
    public var refreshConcurrency = 8
    /// Each background refresh is given up after this long (and tried again after `refreshRetryMillis`).
    public var refreshDeadlineMillis: Int64 = 60_000
    /// How long a failed background refresh waits before the next try.
    public var refreshRetryMillis: Int64 = 60_000
    /// How long an authorization request (`state`) stays valid.
    public var authorizationRequestLifetimeMillis: Int64 = 10 * 60_000

    public init() {}
}
