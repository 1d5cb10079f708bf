import VaporCSQLite

/// One `sqlite3` connection, on SQLite's C API (the copy SQLiteNIO builds), used only on its own `SQLiteThread`.
///
/// It keeps its prepared statements, keyed by their SQL: the engine runs the same few dozen statements all day, and
/// compiling one anew each time showed in the delivery path's flame graph (SQLiteNIO keeps none). Rows are read
/// straight into `SQLRow`s.
final class SQLiteHandle {
    private var database: OpaquePointer?
    private var statements: [Key: Statement] = [:]
    private var uses = 0

    /// Statements kept at most; past it, the least recently used half is finalized.
    static let cacheLimit = 256
    /// Longer SQL (multi-row inserts, long `IN` lists, whose length varies) is compiled for the one use.
    static let cacheableLength = 2048
    /// So is SQL with more placeholders than this: an `IN` list is a new text at every length, and kept once per
    /// length long lists would push the hot statements out. The group commit's chunks of 16 attempts (208 values)
    /// fit; the hot paths' long `IN` lists bind one JSON array instead (`json_each`).
    static let cacheableBinds = 256

    /// SQL by its bytes: `String`'s `==` is Unicode canonical equivalence, under which two different texts (a
    /// precomposed "é" in a literal against "e" and a combining accent) would share one compiled statement.
    private struct Key: Hashable {
        let sql: String

        static func == (lhs: Key, rhs: Key) -> Bool { lhs.sql.utf8.elementsEqual(rhs.sql.utf8) }

        func hash(into hasher: inout Hasher) {
            var sql = sql
            sql.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        }
    }

    private final class Statement {
        let pointer: OpaquePointer
        var columns = SQLColumns([])
        /// SQLite recompiles a statement by itself when the schema changes (a migration); the names are read anew then.
        var columnsAtReprepare: Int32 = -1
        /// Recompilations counted into `recompilations` so far.
        var recompilationsCounted: Int32 = 0
        var lastUse = 0

        init(pointer: OpaquePointer) { self.pointer = pointer }
    }

    private static let initialized: Bool = {
        sqlite_nio_sqlite3_initialize()
        return true
    }()

    init(path: String) throws {
        _ = Self.initialized
        var handle: OpaquePointer?
        // NOMUTEX: the handle is confined to one thread, so SQLite's own per-call mutex would only cost.
        let flags = SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI | SQLITE_OPEN_EXRESCODE
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? Self.describe(status)
            sqlite_nio_sqlite3_close(handle)
            throw StorageError.unavailable("cannot open \(path): \(message)")
        }
        database = handle
    }

    deinit { close() }

    /// Finalizes every statement and closes the connection; later queries fail as unavailable.
    func close() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement.pointer) }
        statements.removeAll()
        sqlite_nio_sqlite3_close_v2(database)
        database = nil
    }

    /// Runs one statement and returns its rows.
    func query(_ sql: String, _ binds: [SQLValue]) throws -> [SQLRow] {
        guard let database else { throw StorageError.unavailable("the database is closed") }
        let changesSchema = Self.changesSchema(sql)
        let cacheable = sql.utf8.count <= Self.cacheableLength && binds.count <= Self.cacheableBinds && !changesSchema
        let statement = try cacheable ? cached(sql, on: database) : prepare(sql, on: database)
        defer {
            if cacheable {
                sqlite_nio_sqlite3_reset(statement.pointer)
                // Not `sqlite3_clear_bindings`: it marks a statement whose plan may depend on a bound value (an
                // equality in a join, say) as expired, and SQLite then compiled it again inside every step — half the
                // time of the run endpoint's reads. Each run binds every parameter anew; only large values are let go,
                // so a kept statement does not hold a big document until its next use.
                releaseLargeBinds(binds, of: statement.pointer)
            } else {
                sqlite_nio_sqlite3_finalize(statement.pointer)
            }
        }
        try bind(binds, to: statement.pointer, on: database)
        var rows: [SQLRow] = []
        while true {
            let status = sqlite_nio_sqlite3_step(statement.pointer)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else { throw Self.error(status) }
            let shape = columns(of: statement)
            var cells: [SQLValue] = []
            cells.reserveCapacity(shape.names.count)
            for index in shape.names.indices { cells.append(value(at: Int32(index), of: statement.pointer)) }
            rows.append(SQLRow(columns: shape, cells: cells))
        }
        if cacheable { countRecompilations(of: statement) }
        // SQLite recompiles stale statements itself; dropping them after a migration's DDL frees the old plans.
        if changesSchema { dropCache() }
        return rows
    }

    private func cached(_ sql: String, on database: OpaquePointer) throws -> Statement {
        uses += 1
        let key = Key(sql: sql)
        if let statement = statements[key] {
            statement.lastUse = uses
            return statement
        }
        if statements.count >= Self.cacheLimit {
            let oldest = statements.sorted { $0.value.lastUse < $1.value.lastUse }.prefix(Self.cacheLimit / 2)
            for (key, statement) in oldest {
                sqlite_nio_sqlite3_finalize(statement.pointer)
                statements[key] = nil
            }
        }
        let statement = try prepare(sql, on: database, persistent: true)
        statement.lastUse = uses
        statements[key] = statement
        return statement
    }

    private func prepare(_ sql: String, on database: OpaquePointer, persistent: Bool = false) throws -> Statement {
        compilations += 1
        var pointer: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let status = sql.withCString { sqlite_nio_sqlite3_prepare_v3(database, $0, -1, flags, &pointer, nil) }
        guard status == SQLITE_OK else {
            sqlite_nio_sqlite3_finalize(pointer)
            throw Self.error(status)
        }
        // An empty statement (only a comment) compiles to nothing; it runs as a statement without rows.
        guard let pointer else { return try prepare("SELECT 1 WHERE 0", on: database, persistent: persistent) }
        return Statement(pointer: pointer)
    }

    private func dropCache() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement.pointer) }
        statements.removeAll()
    }

    /// Values past this many bytes are unbound after a run of a kept statement.
    static let largeBindBytes = 512

    private func releaseLargeBinds(_ binds: [SQLValue], of statement: OpaquePointer) {
        for (offset, value) in binds.enumerated() {
            switch value {
            case .text(let text) where text.utf8.count > Self.largeBindBytes: sqlite_nio_sqlite3_bind_null(statement, Int32(offset + 1))
            case .blob(let bytes) where bytes.count > Self.largeBindBytes: sqlite_nio_sqlite3_bind_null(statement, Int32(offset + 1))
            default: continue
            }
        }
    }

    private func bind(_ binds: [SQLValue], to statement: OpaquePointer, on database: OpaquePointer) throws {
        // SQLite takes at most 32,766 parameters; more fail here, before a conversion could trap.
        guard binds.count <= 32_766 else { throw StorageError.failure("sqlite: too many SQL variables") }
        // Every parameter is bound on every run: a kept statement's bindings are not cleared between runs.
        guard sqlite_nio_sqlite3_bind_parameter_count(statement) == Int32(binds.count) else {
            throw StorageError.failure("sqlite: \(binds.count) values for \(sqlite_nio_sqlite3_bind_parameter_count(statement)) parameters")
        }
        for (offset, value) in binds.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32 =
                switch value {
                case .null: sqlite_nio_sqlite3_bind_null(statement, index)
                case .integer(let value): sqlite_nio_sqlite3_bind_int64(statement, index, value)
                case .double(let value): sqlite_nio_sqlite3_bind_double(statement, index, value)
                case .text(let value):
                    // withCString, not withUTF8: an empty string's UTF-8 view may have no address, which binds NULL.
                    value.withCString {
                        sqlite_nio_sqlite3_bind_text64(statement, index, $0, UInt64(value.utf8.count), Self.transient, UInt8(SQLITE_UTF8))
                    }
                case .blob(let bytes):
                    bytes.isEmpty
                        ? sqlite_nio_sqlite3_bind_zeroblob(statement, index, 0)
                        : bytes.withUnsafeBytes { sqlite_nio_sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), Self.transient) }
                }
            guard status == SQLITE_OK else { throw Self.error(status) }
        }
    }

    /// How often kept statements were compiled again inside `sqlite3_step`. After a migration that is expected; a
    /// statement that recompiles on every run (SQLite does so when a bound value may change its plan, as for a partial
    /// index) costs its compilation each time: tests check the hot statements stay at zero.
    private(set) var recompilations = 0
    /// Statements compiled from their text (kept or for one use): tests check the hot paths' texts repeat.
    private(set) var compilations = 0

    private func countRecompilations(of statement: Statement) {
        let count = sqlite_nio_sqlite3_stmt_status(statement.pointer, SQLITE_STMTSTATUS_REPREPARE, 0)
        recompilations += Int(count - statement.recompilationsCounted)
        statement.recompilationsCounted = count
    }

    private func columns(of statement: Statement) -> SQLColumns {
        let reprepared = sqlite_nio_sqlite3_stmt_status(statement.pointer, SQLITE_STMTSTATUS_REPREPARE, 0)
        if reprepared != statement.columnsAtReprepare {
            let count = sqlite_nio_sqlite3_column_count(statement.pointer)
            statement.columns = SQLColumns(
                (0..<count).map { index in sqlite_nio_sqlite3_column_name(statement.pointer, index).map { String(cString: $0) } ?? "" })
            statement.columnsAtReprepare = reprepared
        }
        return statement.columns
    }

    private func value(at index: Int32, of statement: OpaquePointer) -> SQLValue {
        switch sqlite_nio_sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER:
            return .integer(sqlite_nio_sqlite3_column_int64(statement, index))
        case SQLITE_FLOAT:
            return .double(sqlite_nio_sqlite3_column_double(statement, index))
        case SQLITE_TEXT:
            guard let text = sqlite_nio_sqlite3_column_text(statement, index) else { return .text("") }
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
            guard count > 0, let bytes = sqlite_nio_sqlite3_column_blob(statement, index) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default:
            return .null
        }
    }

    private static func changesSchema(_ sql: String) -> Bool {
        let head = sql.drop { $0.isWhitespace }.prefix(6).uppercased()
        return head.hasPrefix("CREATE") || head.hasPrefix("ALTER") || head.hasPrefix("DROP")
    }

    /// The failure, by SQLite's code; its text never holds SQL or bound values.
    private static func error(_ status: Int32) -> StorageError {
        switch status {
        case uniqueConstraint, primaryKeyConstraint: .uniqueViolation
        case foreignKeyConstraint: .foreignKeyViolation
        default: .failure("sqlite: \(describe(status))")
        }
    }

    private static func describe(_ status: Int32) -> String {
        sqlite_nio_sqlite3_errstr(status).map { String(cString: $0) } ?? "error \(status)"
    }

    // SQLite's extended codes (the connection is opened with them on), spelled out: the header's macros are expressions.
    private static let uniqueConstraint = SQLITE_CONSTRAINT | (8 << 8)
    private static let primaryKeyConstraint = SQLITE_CONSTRAINT | (6 << 8)
    private static let foreignKeyConstraint = SQLITE_CONSTRAINT | (3 << 8)
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
