/// One result row, read eagerly from either driver into a name → value map.
public struct SQLRow: Sendable {
    public var values: [String: SQLValue]

    public init(values: [String: SQLValue]) { self.values = values }

    public func string(_ column: String) throws -> String {
        guard let value = try optionalString(column) else { throw StorageError.decoding(column: column) }
        return value
    }

    public func optionalString(_ column: String) throws -> String? {
        switch values[column] {
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
        switch values[column] {
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
