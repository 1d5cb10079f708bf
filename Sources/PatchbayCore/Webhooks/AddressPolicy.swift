import Foundation

/// Which outbound targets are allowed: the SSRF guard's rules, free of I/O. The sender resolves a host,
/// checks every address with `classify`, and connects to a checked address (so DNS cannot change in between).
public struct AddressPolicy: Sendable {
    /// Why an address is not a public unicast one.
    public enum Restriction: String, Sendable, CaseIterable {
        case loopback, privateNetwork = "private", linkLocal = "link-local", sharedAddressSpace = "carrier-grade NAT"
        case multicast, unspecified, broadcast, reserved, documentation, benchmarking, uniqueLocal = "unique local"
        case ipv4Mapped = "IPv4-mapped", translation = "NAT64/6to4 translation"
    }

    /// `--allow-private-targets`: http and any address, for development and tests.
    public var allowPrivateTargets: Bool

    public init(allowPrivateTargets: Bool) { self.allowPrivateTargets = allowPrivateTargets }

    /// Checks a webhook URL's shape before any resolution: scheme, host, no credentials; and the host itself when it
    /// is an address literal. Returns the reason it is refused, or nil.
    public func urlProblem(_ text: String) -> String? {
        guard text.utf8.count <= 2048 else { return "must be at most 2048 bytes" }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            return "must be an absolute URL such as https://example.com/webhooks"
        }
        guard scheme == "https" || (scheme == "http" && allowPrivateTargets) else {
            return allowPrivateTargets ? "must use http or https" : "must use https"
        }
        guard let host = components.percentEncodedHost, !host.isEmpty else { return "must name a host" }
        if components.user != nil || components.password != nil { return "must not carry credentials; use the authorization option" }
        if let port = components.port, !(1...65535).contains(port) { return "has an invalid port" }
        if let address = IPAddress(host: host), let restriction = restriction(of: address) {
            return "must not target a \(restriction.rawValue) address (\(address))"
        }
        let lower = host.lowercased()
        if !allowPrivateTargets, lower == "localhost" || lower.hasSuffix(".localhost") || lower.hasSuffix(".internal") || lower.hasSuffix(".local") {
            return "must not target \(host)"
        }
        return nil
    }

    /// The restriction that makes `address` unusable as a target, or nil when it may be used.
    public func restriction(of address: IPAddress) -> Restriction? {
        allowPrivateTargets ? nil : Self.classify(address)
    }

    /// Classifies an address: nil for public unicast.
    public static func classify(_ address: IPAddress) -> Restriction? {
        switch address {
        case .v4(let value): return classifyIPv4(value)
        case .v6(let groups): return classifyIPv6(groups)
        }
    }

    private static func inRange(_ value: UInt32, _ base: UInt32, _ prefix: UInt32) -> Bool {
        prefix == 0 || value >> (32 - prefix) == base >> (32 - prefix)
    }

    private static func ipv4(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32) -> UInt32 { a << 24 | b << 16 | c << 8 | d }

    static func classifyIPv4(_ value: UInt32) -> Restriction? {
        let rules: [(UInt32, UInt32, Restriction)] = [
            (ipv4(255, 255, 255, 255), 32, .broadcast),
            (ipv4(0, 0, 0, 0), 8, .unspecified),
            (ipv4(127, 0, 0, 0), 8, .loopback),
            (ipv4(10, 0, 0, 0), 8, .privateNetwork),
            (ipv4(172, 16, 0, 0), 12, .privateNetwork),
            (ipv4(192, 168, 0, 0), 16, .privateNetwork),
            (ipv4(169, 254, 0, 0), 16, .linkLocal),
            (ipv4(100, 64, 0, 0), 10, .sharedAddressSpace),
            (ipv4(192, 0, 0, 0), 24, .reserved),
            (ipv4(192, 0, 2, 0), 24, .documentation),
            (ipv4(198, 51, 100, 0), 24, .documentation),
            (ipv4(203, 0, 113, 0), 24, .documentation),
            (ipv4(198, 18, 0, 0), 15, .benchmarking),
            (ipv4(224, 0, 0, 0), 4, .multicast),
            (ipv4(240, 0, 0, 0), 4, .reserved),
        ]
        return rules.first { inRange(value, $0.0, $0.1) }?.2
    }

    static func classifyIPv6(_ groups: [UInt16]) -> Restriction? {
        guard groups.count == 8 else { return .reserved }
        if groups.allSatisfy({ $0 == 0 }) { return .unspecified }
        if groups.dropLast().allSatisfy({ $0 == 0 }) && groups[7] == 1 { return .loopback }
        // ::ffff:a.b.c.d and the deprecated ::a.b.c.d embed IPv4: judge the IPv4 address, refuse it if it is not public.
        if groups[0..<5].allSatisfy({ $0 == 0 }) && (groups[5] == 0xFFFF || groups[5] == 0) {
            let embedded = UInt32(groups[6]) << 16 | UInt32(groups[7])
            return classifyIPv4(embedded) ?? .ipv4Mapped
        }
        if groups[0] == 0x64 && groups[1] == 0xFF9B { return .translation }  // 64:ff9b::/96 NAT64
        if groups[0] == 0x2002 { return .translation }  // 2002::/16 6to4 embeds an IPv4 address
        if groups[0] & 0xFE00 == 0xFC00 { return .uniqueLocal }  // fc00::/7
        if groups[0] & 0xFFC0 == 0xFE80 { return .linkLocal }  // fe80::/10
        if groups[0] & 0xFFC0 == 0xFEC0 { return .privateNetwork }  // fec0::/10 site-local (deprecated)
        if groups[0] & 0xFF00 == 0xFF00 { return .multicast }  // ff00::/8
        if groups[0] == 0x2001 && groups[1] == 0x0DB8 { return .documentation }  // 2001:db8::/32
        if groups[0] == 0x0100 && groups[1...3].allSatisfy({ $0 == 0 }) { return .reserved }  // 100::/64 discard
        return nil
    }
}
