import Foundation
import GRDB

/// The platform's SQLite database (the embedded default), migrated on open.
///
/// Every read or write of user-owned rows takes the user's id and filters on it.
public final class PlatformDatabase: Sendable {
    let writer: any DatabaseWriter
    /// The fan-out inputs this process left at its last commit of each (strategy, symbol).
    let books = FanoutBooks()
    private let checkpointer: Checkpointer?

    /// The size the write-ahead log is brought back under once commits have grown it past it.
    static let walSizeLimit = 16 << 20

    /// Opens (creating if needed) a database file in WAL mode and migrates it.
    public convenience init(path: String) throws(PlatformError) {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: """
                PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;
                PRAGMA journal_size_limit = \(Self.walSizeLimit)
                """)
        }
        do {
            try self.init(writer: DatabasePool(path: path, configuration: config), checkpointer: Checkpointer(path: path))
        } catch let e as PlatformError {
            throw e
        } catch {
            throw PlatformError(.storage, "cannot open database \(path): \(error)")
        }
    }

    /// A private in-memory database (backtests, tests).
    public static func inMemory() throws(PlatformError) -> PlatformDatabase {
        var config = Configuration()
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA foreign_keys = ON") }
        do {
            return try PlatformDatabase(writer: DatabaseQueue(configuration: config))
        } catch let e as PlatformError {
            throw e
        } catch {
            throw PlatformError(.storage, "cannot open an in-memory database: \(error)")
        }
    }

    init(writer: any DatabaseWriter, checkpointer: Checkpointer? = nil) throws(PlatformError) {
        self.writer = writer
        self.checkpointer = checkpointer
        try Self.storage { try Schema.migrator.migrate(writer) }
        checkpointer?.start()
    }

    /// Runs `body` and maps GRDB's errors to `PlatformError`.
    static func storage<T>(_ body: () throws -> T) throws(PlatformError) -> T {
        do {
            return try body()
        } catch let e as PlatformError {
            throw e
        } catch let e as DatabaseError where e.extendedResultCode == .SQLITE_CONSTRAINT_CHECK {
            throw PlatformError(.invalidInput, "rejected by the database: \(e.message ?? "\(e)")")
        } catch {
            throw PlatformError(.storage, "\(error)")
        }
    }

    func write<T>(_ body: (Database) throws -> T) throws(PlatformError) -> T {
        try Self.storage { try writer.write(body) }
    }

    /// Reads without GRDB's read-only guard: on a `DatabaseQueue` that guard toggles
    /// `PRAGMA query_only`, which made the next write transaction recompile its cached statements
    /// (measured: a 12 µs commit became 130 µs). Our read closures never write.
    func read<T>(_ body: (Database) throws -> T) throws(PlatformError) -> T {
        try Self.storage { try writer.unsafeRead(body) }
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

/// Copies the WAL back into the database file every second from its own connection, so that
/// commits never pay for a checkpoint (automatic checkpoints are off: they ran inside commits and
/// cost about a quarter of the fan-out time). PASSIVE checkpoints never block the writer.
///
/// The WAL file keeps the size its busiest moment gave it unless it is cut back: every connection
/// has `journal_size_limit` (a writer that starts the log over truncates it to that), and a tick
/// that finds the file over the limit after its PASSIVE checkpoint runs a TRUNCATE one. That one
/// takes the writer lock while it waits for readers still on the old log, at most 50 ms, and only
/// then (a reader arriving during it reads the database file, so it cannot starve it).
///
/// `@unchecked Sendable`: the connection and the timer are only used on `queue`.
final class Checkpointer: @unchecked Sendable {
    private let connection: DatabaseQueue
    private let wal: String
    private let queue = DispatchQueue(label: "tradectl.checkpoint")
    private var timer: DispatchSourceTimer?

    init(path: String) throws {
        var config = Configuration()
        config.busyMode = .timeout(0.05)
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_size_limit = \(PlatformDatabase.walSizeLimit)") }
        connection = try DatabaseQueue(path: path, configuration: config)
        wal = path + "-wal"
    }

    func start() {
        queue.sync {
            let t = DispatchSource.makeTimerSource(queue: queue)
            t.schedule(deadline: .now() + 1, repeating: 1)
            t.setEventHandler { [connection, wal] in
                _ = try? connection.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)")
                    var info = stat()
                    if stat(wal, &info) == 0, info.st_size > PlatformDatabase.walSizeLimit {
                        try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                    }
                }
            }
            t.resume()
            timer = t
        }
    }

    deinit {
        timer?.cancel()
    }
}
