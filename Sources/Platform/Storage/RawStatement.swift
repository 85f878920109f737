import GRDB
import GRDBSQLite

/// Binds and steps one of GRDB's cached statements through SQLite's C API, for the fan-out's hot
/// loops (GRDB's per-call argument handling cost about 5 µs per row there). GIL-free, connection-
/// bound: use only inside the `Database` closure that produced the statement.
struct RawStatement {
    let handle: OpaquePointer
    private var index: Int32 = 1
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ statement: Statement) {
        handle = statement.sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    mutating func bind(_ v: Int64) { sqlite3_bind_int64(handle, index, v); index += 1 }
    mutating func bind(_ v: Double) { sqlite3_bind_double(handle, index, v); index += 1 }
    mutating func bind(_ v: String) { sqlite3_bind_text(handle, index, v, -1, Self.transient); index += 1 }
    mutating func bind(_ v: [UInt8]) {
        v.withUnsafeBytes { _ = sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), Self.transient) }
        index += 1
    }
    mutating func bindNull() { sqlite3_bind_null(handle, index); index += 1 }

    /// Runs the statement to completion.
    func run(_ db: Database) throws {
        let rc = sqlite3_step(handle)
        guard rc == SQLITE_DONE || rc == SQLITE_ROW else {
            let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
            sqlite3_reset(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: message)
        }
        sqlite3_reset(handle)
    }

    /// Steps a query; false when there is no further row.
    func next(_ db: Database) throws -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
    }

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    func optionalDouble(_ column: Int32) -> Double? {
        sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : sqlite3_column_double(handle, column)
    }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    func text(_ column: Int32) -> String {
        guard let p = sqlite3_column_text(handle, column) else { return "" }
        return String(cString: p)
    }
}

/// Multi-row INSERTs of `columns` values per row, up to `batch` rows per statement.
struct BatchInsert {
    let prefix: String
    let columns: Int
    let batch: Int
    /// Literal SQL appended inside each row's parentheses, after the bound values.
    let valuesSuffix: String
    private(set) var rows: [[Value]] = []

    enum Value {
        case int(Int64), double(Double), text(String), null
    }

    init(_ prefix: String, columns: Int, batch: Int = 64, valuesSuffix: String = "") {
        self.prefix = prefix
        self.columns = columns
        self.batch = batch
        self.valuesSuffix = valuesSuffix
    }

    /// Adds a row; a full batch is written at once. `suffix` follows the VALUES list.
    mutating func add(_ row: [Value], _ db: Database, suffix: String = "") throws {
        rows.append(row)
        if rows.count == batch { try flush(db, suffix: suffix) }
    }

    mutating func flush(_ db: Database, suffix: String = "") throws {
        guard !rows.isEmpty else { return }
        let tuple = "(" + Array(repeating: "?", count: columns).joined(separator: ",") + valuesSuffix + ")"
        let sql = prefix + Array(repeating: tuple, count: rows.count).joined(separator: ",") + suffix
        var raw = RawStatement(try db.cachedStatement(sql: sql))
        for row in rows {
            for v in row {
                switch v {
                case .int(let x): raw.bind(x)
                case .double(let x): raw.bind(x)
                case .text(let x): raw.bind(x)
                case .null: raw.bindNull()
                }
            }
        }
        try raw.run(db)
        rows.removeAll(keepingCapacity: true)
    }
}
