/// A SQL statement whose interpolated values become bound parameters, never spliced text:
/// `"SELECT * FROM users WHERE id = \(id)"`. Its text comes from literals in the source; the only ways to splice a
/// runtime string as SQL are spelled unsafe, `\(unsafeRaw:)` and `SQLQuery(unsafeSQL:)`, for fragments chosen from
/// a whitelist (column names, sort directions). Queries compose with `\(fragment)` and `+`.
public struct SQLQuery: Sendable, ExpressibleByStringInterpolation {
    enum Part: Sendable {
        case sql(String)
        case bind(SQLValue)
    }

    var parts: [Part]

    /// What the compiler calls for a literal written in the source. Never call it by name: a runtime string passed
    /// here would become SQL text (`unsafeSQL:` is the spelling for that, and a test keeps direct calls out).
    public init(stringLiteral value: String) { parts = [.sql(value)] }

    /// SQL text from a runtime string, spliced as is. Only for constant SQL assembled in code, never for input.
    public init(unsafeSQL text: String) { parts = [.sql(text)] }

    public init(stringInterpolation: StringInterpolation) { parts = stringInterpolation.parts }

    public struct StringInterpolation: StringInterpolationProtocol {
        var parts: [Part] = []

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) { parts.append(.sql(literal)) }
        public mutating func appendInterpolation(_ value: String) { parts.append(.bind(.text(value))) }
        public mutating func appendInterpolation(_ value: String?) { parts.append(.bind(value.map { .text($0) } ?? .null)) }
        public mutating func appendInterpolation(_ value: Int64) { parts.append(.bind(.integer(value))) }
        public mutating func appendInterpolation(_ value: Int64?) { parts.append(.bind(value.map { .integer($0) } ?? .null)) }
        public mutating func appendInterpolation(_ value: Int) { parts.append(.bind(.integer(Int64(value)))) }
        public mutating func appendInterpolation(_ value: Bool) { parts.append(.bind(.integer(value ? 1 : 0))) }
        public mutating func appendInterpolation(_ value: SQLValue) { parts.append(.bind(value)) }
        /// Splices `fragment` as SQL text. Only for values picked from a fixed whitelist, never for input.
        public mutating func appendInterpolation(unsafeRaw fragment: String) { parts.append(.sql(fragment)) }
        public mutating func appendInterpolation(_ query: SQLQuery) { parts.append(contentsOf: query.parts) }
    }

    public static func + (lhs: SQLQuery, rhs: SQLQuery) -> SQLQuery {
        var result = lhs
        result.parts += rhs.parts
        return result
    }

    /// The queries one after another, `separator` between them (the rows of a multi-row `VALUES`, for example).
    public static func joined(_ queries: some Sequence<SQLQuery>, separator: String) -> SQLQuery {
        var result: SQLQuery = ""
        for (index, query) in queries.enumerated() {
            if index > 0 { result.parts.append(.sql(separator)) }
            result.parts += query.parts
        }
        return result
    }

    /// The statement text with the dialect's placeholders, and the values to bind in order.
    public func render(for dialect: SQLDialect) -> (sql: String, binds: [SQLValue]) {
        var sql = ""
        var binds: [SQLValue] = []
        for part in parts {
            switch part {
            case .sql(let text):
                sql += text
            case .bind(let value):
                binds.append(value)
                sql += dialect == .postgres ? "$\(binds.count)" : "?"
            }
        }
        return (sql, binds)
    }
}
