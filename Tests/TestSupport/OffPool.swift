import Dispatch

/// Runs blocking work (a child process, a server's start-up, `waitpid`) on a dispatch thread and
/// awaits it, so no test holds one of the cooperative pool's threads while it waits: on a 2-core
/// machine the pool has two, and the in-process servers other tests talk to (the exchange
/// simulator, the API) need them.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}
