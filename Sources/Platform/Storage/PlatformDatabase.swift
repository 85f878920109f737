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
    /// The checkpoint loop when the database runs its own (`checkpointsInBackground`).
    private let checkpointTask: Task<Void, Never>?

    /// The size the write-ahead log is brought back under once commits have grown it past it.
    static let walSizeLimit = 16 << 20

    /// Opens (creating if needed) a database file in WAL mode and migrates it.
    ///
    /// - Parameters:
    ///   - path: the SQLite file.
    ///   - checkpointsInBackground: whether the database checkpoints its WAL on a task of its own;
    ///     pass false and run `checkpoints` in the process's `ServiceGroup` instead.
    /// - Throws: `PlatformError` with code `storage` when the file cannot be opened or migrated.
    public convenience init(path: String, checkpointsInBackground: Bool = true) throws(PlatformError) {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: """
                PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;
                PRAGMA journal_size_limit = \(Self.walSizeLimit)
                """)
        }
        do {
            try self.init(writer: DatabasePool(path: path, configuration: config), checkpointer: Checkpointer(path: path),
                          checkpointsInBackground: checkpointsInBackground)
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

    init(writer: any DatabaseWriter, checkpointer: Checkpointer? = nil, checkpointsInBackground: Bool = true) throws(PlatformError) {
        self.writer = writer
        self.checkpointer = checkpointer
        try Self.storage { try Schema.migrator.migrate(writer) }
        checkpointTask = checkpointsInBackground ? checkpointer.map { c in Task { await c.loop() } } : nil
    }

    deinit { checkpointTask?.cancel() }

    /// The WAL checkpoints as a `Service` (nil for an in-memory database): every second, and once
    /// more at shutdown. For a database opened with `checkpointsInBackground: false`.
    public var checkpoints: CheckpointService? { checkpointer.map(CheckpointService.init) }

    /// Runs `body` and maps GRDB's errors to `PlatformError`.
    static func storage<T>(_ body: () throws -> T) throws(PlatformError) -> T {
        do {
            return try body()
        } catch {
            throw platformError(error)
        }
    }

    /// GRDB's errors as `PlatformError`: a failed CHECK is invalid input, anything else storage.
    static func platformError(_ error: any Error) -> PlatformError {
        switch error {
        case let e as PlatformError: e
        case let e as DatabaseError where e.extendedResultCode == .SQLITE_CONSTRAINT_CHECK:
            PlatformError(.invalidInput, "rejected by the database: \(e.message ?? "\(e)")")
        default: PlatformError(.storage, "\(error)")
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
