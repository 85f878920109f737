import Logging
import ServiceLifecycle
import Synchronization

/// The scheduler and executor (`Worker.run`) as a swift-service-lifecycle `Service`.
///
/// On graceful shutdown (SIGTERM, SIGINT) the scheduling loop is cancelled: no new execution
/// starts, and the executions in flight finish and commit before `run()` returns. A worker that
/// stops on its own (past `Worker.Settings.until`) returns its tally here too.
public final class SchedulerService: Service, Sendable {
    public let worker: Worker
    private let logger: Logger
    private let result = Mutex(Worker.Tally())

    /// - Parameters:
    ///   - worker: the scheduler and executor to run.
    ///   - logger: where the drain is reported.
    public init(worker: Worker, logger: Logger) {
        self.worker = worker
        self.logger = logger
    }

    /// What the worker did, once `run()` has returned (zero before).
    public var tally: Worker.Tally { result.withLock { $0 } }

    /// Runs the worker until it stops on its own or the group shuts down gracefully.
    ///
    /// - Throws: `PlatformError` when the scheduler fails (the registry or the database).
    public func run() async throws {
        let worker = self.worker
        let tally: Worker.Tally
        do {
            tally = try await cancelWhenGracefulShutdown { try await worker.run() }
        } catch {
            logger.error("executor stopped", metadata: ["error": "\(error)"])
            throw error
        }
        result.withLock { $0 = tally }
        logger.debug("scheduler stopped", metadata: ["executed": "\(tally.executed)", "skipped": "\(tally.skipped)"])
    }
}
