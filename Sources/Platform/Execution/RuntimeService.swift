import ServiceLifecycle
import StrategyRuntime

/// Stops a `StrategyHost` when its service group shuts down: its sandbox worker processes are
/// killed and reaped, and its sub-interpreters end (`StrategyHost.shutdown()`).
///
/// Put it first in the group's services: a group shuts its services down in reverse order, so
/// the host stops after the scheduler has drained and the HTTP server has stopped.
public struct RuntimeService: Service {
    public let host: StrategyHost

    /// - Parameter host: the runtime to stop at shutdown.
    public init(host: StrategyHost) { self.host = host }

    /// Waits for the group's graceful shutdown (or its cancellation), then stops the host.
    public func run() async throws {
        try? await gracefulShutdown()
        await host.shutdown()
    }
}
