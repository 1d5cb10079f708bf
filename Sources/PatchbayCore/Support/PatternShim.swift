import Foundation

// TEMPORARY: stands in for the bounded matcher until it lands (same API).
public struct Pattern: Sendable {
    public static let maximumSourceLength = 1000
    let expression: NSRegularExpression
    public init(_ source: String) throws { expression = try NSRegularExpression(pattern: source) }
    public func matches(_ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

public enum PatternCache {
    public static func pattern(_ source: String) throws -> Pattern { try Pattern(source) }
}
