/// One numbered schema step. Statements are shared where the dialects agree (SQLite accepts `BIGINT`)
/// and given per dialect where they do not.
public struct Migration: Sendable {
    public enum Statement: Sendable {
        case both(String)
        case dialect(sqlite: String, postgres: String)

        func sql(for dialect: SQLDialect) -> String {
            switch self {
            case .both(let sql): sql
            case .dialect(let sqlite, let postgres): dialect == .sqlite ? sqlite : postgres
            }
        }
    }

    public let version: Int
    public let name: String
    public let statements: [Statement]
}
