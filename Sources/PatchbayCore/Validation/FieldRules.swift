/// Checks on single fields shared by every resource. Each returns the problem, or nil when fine.
public enum FieldRules {
    public static let maxNameLength = 200
    public static let maxDescriptionLength = 4000

    /// A display name: 1–200 characters, not blank, no control characters.
    public static func name(_ value: String, at pointer: String, max: Int = maxNameLength) -> FieldError? {
        if value.trimmingWhitespace().isEmpty { return FieldError(pointer: pointer, "must not be blank") }
        if value.count > max { return FieldError(pointer: pointer, "must be at most \(max) characters (got \(value.count))") }
        if value.unicodeScalars.contains(where: isForbiddenControl(allowingLineBreaks: false)) {
            return FieldError(pointer: pointer, "must not contain control characters")
        }
        return nil
    }

    /// Free text: up to `max` characters; line breaks and tabs allowed, other control characters not.
    public static func text(_ value: String, at pointer: String, max: Int = maxDescriptionLength) -> FieldError? {
        if value.count > max { return FieldError(pointer: pointer, "must be at most \(max) characters (got \(value.count))") }
        if value.unicodeScalars.contains(where: isForbiddenControl(allowingLineBreaks: true)) {
            return FieldError(pointer: pointer, "must not contain control characters other than line breaks and tabs")
        }
        return nil
    }

    /// A mailbox `local@domain.tld`, at most 254 characters, without spaces or control characters.
    public static func email(_ value: String, at pointer: String) -> FieldError? {
        let problem = FieldError(pointer: pointer, "must be an email address like name@example.com")
        guard value.utf8.count <= 254 else { return FieldError(pointer: pointer, "must be at most 254 bytes") }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64 else { return problem }
        let domain = parts[1]
        guard domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..") else { return problem }
        let forbidden = value.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
        return forbidden || value.contains("<") || value.contains(">") ? problem : nil
    }

    /// A phone number: digits with optional `+`, spaces, dots, hyphens and parentheses; 7–15 digits (E.164).
    public static func phone(_ value: String, at pointer: String) -> FieldError? {
        let allowed = Set("0123456789+ .-()")
        guard value.count <= 32, value.allSatisfy({ allowed.contains($0) }) else {
            return FieldError(pointer: pointer, "must be a phone number such as +1 555 010 0199")
        }
        let digits = value.filter(\.isASCIIDigit).count
        guard (7...15).contains(digits) else { return FieldError(pointer: pointer, "must have 7 to 15 digits (got \(digits))") }
        if let plus = value.firstIndex(of: "+"), plus != value.startIndex || value.filter({ $0 == "+" }).count > 1 {
            return FieldError(pointer: pointer, "may have a single leading +")
        }
        return nil
    }

    private static func isForbiddenControl(allowingLineBreaks: Bool) -> (Unicode.Scalar) -> Bool {
        { scalar in
            if allowingLineBreaks, scalar == "\n" || scalar == "\r" || scalar == "\t" { return false }
            let value = scalar.value
            return value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension StringProtocol {
    /// Trims Unicode whitespace at both ends.
    public func trimmingWhitespace() -> String {
        // Most text (every bearer token) starts and ends with a printable ASCII byte: nothing to trim, and the walk over
        // scalars below cost a token check more than its cache lookup.
        let text = String(self)
        if let first = text.utf8.first, let last = text.utf8.last, (0x21...0x7E).contains(first), (0x21...0x7E).contains(last) { return text }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars[first...last])
        return String(result)
    }
}
