/// A value bound into, or read out of, a SQL statement; the common ground of both stores.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])
}

/// The SQL flavour a driver speaks; only placeholders and a few DDL details differ.
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgres
}
