/// An IPv4 or IPv6 address, parsed the way URL hosts are (WHATWG): IPv4 also in the decimal, octal and hex
/// spellings that resolvers accept (`2130706433`, `0x7f.1`, `0177.0.0.1`), so none of them slips past a check.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(UInt32)
    case v6([UInt16])

    /// Parses a URL host or a resolver's answer; brackets around IPv6 are accepted. Nil for a domain name.
    public init?(host: String) {
        var text = host
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if text.contains(":") {
            guard let groups = Self.parseIPv6(text) else { return nil }
            self = .v6(groups)
        } else if let value = Self.parseIPv4(text) {
            self = .v4(value)
        } else {
            return nil
        }
    }

    /// IPv4 per the URL standard: 1–4 dot-separated numbers, each decimal, octal (`0…`) or hex (`0x…`);
    /// the last part fills the remaining bytes.
    static func parseIPv4(_ text: String) -> UInt32? {
        var parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if parts.last == "" { parts.removeLast() }
        guard (1...4).contains(parts.count) else { return nil }
        var numbers: [UInt64] = []
        for part in parts {
            guard !part.isEmpty, let number = parseNumber(part) else { return nil }
            numbers.append(number)
        }
        guard let last = numbers.last else { return nil }
        for number in numbers.dropLast() where number > 255 { return nil }
        guard last < (UInt64(1) << (8 * UInt64(5 - numbers.count))) else { return nil }
        var value = last
        for (index, number) in numbers.dropLast().enumerated() { value += number << (8 * UInt64(3 - index)) }
        return UInt32(truncatingIfNeeded: value)
    }

    private static func parseNumber(_ part: String) -> UInt64? {
        let lower = part.lowercased()
        if lower.hasPrefix("0x") { return lower.count == 2 ? 0 : UInt64(lower.dropFirst(2), radix: 16) }
        if lower.count > 1, lower.hasPrefix("0") { return UInt64(lower.dropFirst(), radix: 8) }
        guard lower.allSatisfy(\.isASCIIDigit) else { return nil }
        return UInt64(lower)
    }

    static func parseIPv6(_ input: String) -> [UInt16]? {
        var text = input
        if let zone = text.firstIndex(of: "%") { text = String(text[..<zone]) }  // fe80::1%eth0
        guard text.utf8.count <= 45 else { return nil }
        // An embedded IPv4 tail (::ffff:127.0.0.1) becomes two hex groups (::ffff:7f00:1).
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            let pieces = text[text.index(after: lastColon)...].split(separator: ".", omittingEmptySubsequences: false)
            guard pieces.count == 4, pieces.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCIIDigit) }) else { return nil }
            let bytes = pieces.compactMap { UInt32($0) }
            guard bytes.count == 4, bytes.allSatisfy({ $0 <= 255 }) else { return nil }
            text = String(text[...lastColon]) + String(bytes[0] << 8 | bytes[1], radix: 16) + ":" + String(bytes[2] << 8 | bytes[3], radix: 16)
        }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(group.count), let value = UInt16(group, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        let rest = halves.count == 2 ? groups(halves[1]) : []
        guard let rest else { return nil }
        let explicit = head + rest
        if halves.count == 2 {
            guard explicit.count < 8 else { return nil }
            return head + Array(repeating: 0, count: 8 - explicit.count) + rest
        }
        return explicit.count == 8 ? explicit : nil
    }

    public var description: String {
        switch self {
        case .v4(let value): "\(value >> 24).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)"
        case .v6(let groups): groups.map { String($0, radix: 16) }.joined(separator: ":")
        }
    }
}
