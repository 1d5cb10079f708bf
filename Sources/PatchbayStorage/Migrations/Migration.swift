/// One numbered schema step. Statements are shared where the dialects agree (SQLite accepts `BIGINT`)
/// and given per dialect where they do not.
public struct Migration: Sendable {
    public enum Statement: Sendable {
        case both(String)
        case dialect(sqlite: String, postgres: String)
        /// A step one dialect alone needs (PostgreSQL's trigger functions, say).
        case postgresOnly(String)

        func sql(for dialect: SQLDialect) -> String? {
            switch self {
            case .both(let sql): sql
            case .dialect(let sqlite, let postgres): dialect == .sqlite ? sqlite : postgres
            case .postgresOnly(let sql): dialect == .postgres ? sql : nil
            }
        }
    }

    public let version: Int
    public let name: String
    public let statements: [Statement]
}
