import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A closed-loop HTTP load generator: `connections` workers each send a request, wait for the answer and
/// send the next, until the duration is up. Latencies are kept per request for exact percentiles.
struct LoadGenerator {
    struct Request: Sendable {
        var method: HTTPMethod
        var url: String
        var headers: [(String, String)]
        var body: String?
    }

    struct Result {
        var requests: Int
        var failures: Int
        var seconds: Double
        var latencies: [Double]

        var throughput: Double { Double(requests) / seconds }

        func percentile(_ fraction: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            let sorted = latencies.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.down)))]
        }
    }

    let client: HTTPClient
    let connections: Int
    let duration: Duration

    /// A client whose pool keeps `connectionsPerHost` connections to one host, so the generator is not the limit.
    static func client(connectionsPerHost: Int) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// `makeRequest(worker, iteration)` builds each request (so a POST can carry a unique email).
    func run(_ makeRequest: @escaping @Sendable (Int, Int) -> Request) async -> Result {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + duration
        let client = self.client
        let perWorker = await withTaskGroup(of: (Int, Int, [Double]).self) { group in
            for worker in 0..<connections {
                group.addTask {
                    var latencies: [Double] = []
                    latencies.reserveCapacity(50_000)
                    var failures = 0
                    var iteration = 0
                    while clock.now < deadline {
                        let spec = makeRequest(worker, iteration)
                        iteration += 1
                        var request = HTTPClientRequest(url: spec.url)
                        request.method = spec.method
                        for (name, value) in spec.headers { request.headers.add(name: name, value: value) }
                        if let body = spec.body { request.body = .bytes(ByteBuffer(string: body)) }
                        let sent = clock.now
                        do {
                            let response = try await client.execute(request, timeout: .seconds(30))
                            _ = try await response.body.collect(upTo: 1 << 24)
                            if response.status.code >= 400 { failures += 1 }
                        } catch {
                            failures += 1
                        }
                        let elapsed = clock.now - sent
                        latencies.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
                    }
                    return (latencies.count, failures, latencies)
                }
            }
            var all: [(Int, Int, [Double])] = []
            for await result in group { all.append(result) }
            return all
        }
        let elapsed = clock.now - start
        return Result(
            requests: perWorker.reduce(0) { $0 + $1.0 },
            failures: perWorker.reduce(0) { $0 + $1.1 },
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            latencies: perWorker.flatMap(\.2)
        )
    }
}

/// Resident memory of this process, from /proc (Linux).
/// This process's CPU time (user and system, every thread), for the CPU a phase cost per unit of work.
enum ProcessCPU {
    static var seconds: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
    }
}

enum ProcessMemory {
    static func kilobytes(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    static var residentMB: Double { Double(kilobytes("VmRSS")) / 1024 }
    static var peakMB: Double { Double(kilobytes("VmHWM")) / 1024 }

    /// Restarts the peak (`VmHWM`) from the current resident size, so a phase's peak can be read on its own.
    static func resetPeak() { try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8) }
}
