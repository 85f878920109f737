import Foundation
import GRDB
import ServiceLifecycle

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
/// It runs as a `Service` in the group of `serve` and `worker` (`PlatformDatabase.checkpoints`),
/// which checkpoints once more at shutdown, or else on a task the database owns.
///
/// `@unchecked Sendable`: the connection is only used on `queue`.
final class Checkpointer: @unchecked Sendable {
    static let period: Duration = .seconds(1)
    private let connection: DatabaseQueue
    private let wal: String
    private let queue = DispatchQueue(label: "tradectl.checkpoint")

    init(path: String) throws {
        var config = Configuration()
        config.busyMode = .timeout(0.05)
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_size_limit = \(PlatformDatabase.walSizeLimit)") }
        connection = try DatabaseQueue(path: path, configuration: config)
        wal = path + "-wal"
    }

    /// One checkpoint, on the checkpointer's own queue (SQLite blocks; the cooperative pool does not wait on it).
    func checkpoint() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            queue.async { [connection, wal] in
                _ = try? connection.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)")
                    var info = stat()
                    if stat(wal, &info) == 0, info.st_size > PlatformDatabase.walSizeLimit {
                        try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                    }
                }
                done.resume()
            }
        }
    }

    /// Checkpoints every `period` until the task is cancelled.
    func loop() async {
        while (try? await Task.sleep(for: Self.period)) != nil {
            await checkpoint()
        }
    }
}

/// A database's checkpoints as a `Service`: every second until the group shuts down, then once
/// more, after the services shut down before it (put it before the scheduler in the group).
public struct CheckpointService: Service {
    let checkpointer: Checkpointer

    /// Checkpoints every second until the group shuts down gracefully (or is cancelled), then once more.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await checkpointer.loop() }
        await checkpointer.checkpoint()
    }
}
