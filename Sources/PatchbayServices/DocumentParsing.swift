import NIOPosix
import PatchbayCore
import Synchronization

/// Where API descriptions are parsed: threads of their own (a 32 MiB document takes seconds of CPU, and on NIO's
/// shared pool it would hold everything else queued there), and at most `maximumLarge` large documents at once.
/// Past that, a large document is refused with 503 and `Retry-After` rather than queued, so a flood of big lints
/// cannot build an unbounded backlog or starve the small ones.
public final class DocumentParsing: Sendable {
    /// From this size on a document counts as large.
    public static let largeBytes = 256 * 1024
    public let maximumLarge: Int
    private let threads: NIOThreadPool
    private let largeInFlight = Mutex(0)

    public init(maximumLarge: Int) {
        self.maximumLarge = max(1, maximumLarge)
        threads = NIOThreadPool(numberOfThreads: self.maximumLarge)
        threads.start()
    }

    deinit { threads.shutdownGracefully { _ in } }

    /// Runs `work` (the parse of a document of `size` bytes) off the event loops; 503 when the large ones' room is full.
    public func run<T: Sendable>(size: Int, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        guard size >= Self.largeBytes else { return try await threads.runIfActive(work) }
        let admitted = largeInFlight.withLock { count in
            guard count < maximumLarge else { return false }
            count += 1
            return true
        }
        guard admitted else {
            throw PatchbayError(
                .unavailable, "\(maximumLarge) large documents are being parsed; try again in a few seconds.", retryAfterSeconds: 2)
        }
        defer { largeInFlight.withLock { $0 -= 1 } }
        return try await threads.runIfActive(work)
    }
}
