import Foundation

/// The `format` values JSON Schema users rely on most, checked strictly enough to catch mistakes.
enum FormatChecker {
    static func matches(_ text: String, format: String) -> Bool {
        switch format {
        case "date-time": Timestamp.parse(text) != nil && text.contains("T")
        case "date": Timestamp.parse(text + "T00:00:00Z") != nil && text.count == 10
        case "email": FieldRules.email(text, at: "") == nil
        case "uri": URLComponents(string: text).map { $0.scheme != nil && !($0.scheme ?? "").isEmpty } ?? false
        case "uuid": UUID(uuidString: text) != nil
        case "ipv4": isIPv4(text)
        case "ipv6": text.contains(":") && text.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } && text.count <= 45
        case "hostname": isHostname(text)
        default: true
        }
    }

    private static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCIIDigit) && (Int(part) ?? 256) <= 255
                    && (part == "0" || !part.hasPrefix("0"))
            }
    }

    private static func isHostname(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}
