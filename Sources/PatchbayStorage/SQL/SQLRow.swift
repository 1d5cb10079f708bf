/// The column names of a result, shared by its rows: a row holds only its values, in column order, and a look-up
/// by name is one hash into this table. (A dictionary per row hashed every name of every row, and a claim reads
/// hundreds of rows.)
public final class SQLColumns: Sendable {
    public let names: [String]
    /// Where each name's value is; a name given twice means its last column, as a dictionary built in order would.
    let positions: [String: Int]

    public init(_ names: [String]) {
        self.names = names
        var positions: [String: Int] = Dictionary(minimumCapacity: names.count)
        for (index, name) in names.enumerated() { positions[name] = index }
        self.positions = positions
    }
}

/// One result row.
public struct SQLRow: Sendable {
    public let columns: SQLColumns
    /// The values in `columns.names` order.
    public let cells: [SQLValue]

    public init(columns: SQLColumns, cells: [SQLValue]) {
        precondition(columns.names.count == cells.count, "a row has one value per column")
        self.columns = columns
        self.cells = cells
    }

    public init(values: [String: SQLValue]) {
        let names = Array(values.keys)
        self.init(columns: SQLColumns(names), cells: names.map { values[$0] ?? .null })
    }

    /// The row by column name (a name given twice keeps its last column).
    public var values: [String: SQLValue] {
        var values: [String: SQLValue] = Dictionary(minimumCapacity: cells.count)
        for (name, cell) in zip(columns.names, cells) { values[name] = cell }
        return values
    }

    /// The value of `column`, or nil when the row has no such column.
    public func value(_ column: String) -> SQLValue? {
        columns.positions[column].map { cells[$0] }
    }

    public func string(_ column: String) throws -> String {
        guard let value = try optionalString(column) else { throw StorageError.decoding(column: column) }
        return value
    }

    public func optionalString(_ column: String) throws -> String? {
        switch value(column) {
        case .text(let value): return value
        case .null, nil: return nil
        default: throw StorageError.decoding(column: column)
        }
    }

    public func int(_ column: String) throws -> Int64 {
        guard let value = try optionalInt(column) else { throw StorageError.decoding(column: column) }
        return value
    }

    public func optionalInt(_ column: String) throws -> Int64? {
        switch value(column) {
        case .integer(let value): return value
        case .null, nil: return nil
        default: throw StorageError.decoding(column: column)
        }
    }

    public func bool(_ column: String) throws -> Bool { try int(column) != 0 }
}

/// Storage failures. `description` never contains SQL or bound values.
public enum StorageError: Error, Sendable, CustomStringConvertible, Equatable {
    case decoding(column: String)
    case uniqueViolation
    case foreignKeyViolation
    case unavailable(String)
    case schemaTooNew(found: Int, known: Int)
    case failure(String)

    public var description: String {
        switch self {
        case .decoding(let column): "could not decode column \(column)"
        case .uniqueViolation: "a unique constraint was violated"
        case .foreignKeyViolation: "a foreign key constraint was violated"
        case .unavailable(let reason): "the database is unavailable: \(reason)"
        case .schemaTooNew(let found, let known):
            "the database schema is at version \(found) but this build knows only up to \(known); upgrade Patchbay"
        case .failure(let reason): "database error: \(reason)"
        }
    }
}
