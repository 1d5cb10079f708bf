import PatchbayCore

/// `inbound`: every inbound verification scheme's header parsing and check, then reading the body into an event.
///
/// The input is written like an HTTP message: header lines (`name: value`), a blank line, the body. Names are
/// lower-cased, as the server hands them to `verify`. A `fuzz-now` header, taken out before verifying, sets the
/// clock (default 1,790,000,000), so a corpus file can hold a provider's real signed example at its own time.
public enum InboundFuzzTarget {
    static let defaultNow: Int64 = 1_790_000_000

    /// One endpoint per scheme and encoding. The secrets are the ones the providers' documentation signs its
    /// examples with (GitHub, Slack, Standard Webhooks), so those examples verify.
    static let verifications: [InboundVerification] = [
        InboundVerification(scheme: .none),
        InboundVerification(scheme: .standardWebhooks, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        InboundVerification(scheme: .github, secret: "It's a Secret to Everybody"),
        InboundVerification(scheme: .stripe, secret: "whsec_patchbay_fuzz"),
        InboundVerification(scheme: .slack, secret: "8f742231b10e8888abcd99yyyzzz85a5"),
        InboundVerification(scheme: .hmacSHA256, secret: "patchbay", header: "X-Signature"),
        InboundVerification(scheme: .hmacSHA256, secret: "patchbay", header: "X-Signature", encoding: .hex),
        InboundVerification(scheme: .hmacSHA256, secret: "patchbay", header: "X-Signature", encoding: .base64),
        InboundVerification(scheme: .basic, username: "patchbay", password: "open sesame"),
        InboundVerification(scheme: .header, secret: "patchbay-token", header: "X-Token"),
    ]

    public static func run(_ bytes: [UInt8]) {
        var (headers, body) = message(bytes)
        let now = headers.removeValue(forKey: "fuzz-now").flatMap { Int64($0) } ?? defaultNow
        for verification in verifications {
            _ = verification.verify(headers: headers, body: body, now: now)
            _ = InboundPayload.recordedHeaders(headers, verification: verification)
        }
        for scheme in InboundVerification.Scheme.allCases {
            _ = InboundPayload.read(body: body, headers: headers, scheme: scheme)
        }
        _ = InboundPayload.storedBody(body)
    }

    /// Header lines up to the first empty line (`\n` or `\r\n`), then the body. A repeated header's values are
    /// joined with ", " (as `InboundReceiver` does); lines without a colon are skipped.
    static func message(_ bytes: [UInt8]) -> (headers: [String: String], body: [UInt8]) {
        var headers: [String: String] = [:]
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            var line = bytes[start..<end]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            start = end + 1
            if line.isEmpty { return (headers, Array(bytes[min(start, bytes.count)...])) }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = String(decoding: line[..<colon], as: UTF8.self).trimmingWhitespace().lowercased()
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingWhitespace()
            headers[name] = headers[name].map { $0 + ", " + value } ?? value
        }
        return (headers, [])
    }
}
