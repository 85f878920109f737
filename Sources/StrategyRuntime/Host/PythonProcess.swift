import Synchronization

/// The process-wide main interpreter: CPython is initialised once per process, by the first host.
enum PythonProcess {
    typealias Booted = (interpreter: Interpreter, capabilities: HostCapabilities)
    private static let boot = Mutex<Task<Result<Booted, StrategyError>, Never>?>(nil)
    private static let subCounter = Atomic<Int>(0)

    static func main(_ config: HostConfiguration) async throws(StrategyError) -> Booted {
        let task = boot.withLock { t -> Task<Result<Booted, StrategyError>, Never> in
            if let t { return t }
            let created = Task { () -> Result<Booted, StrategyError> in
                do throws(StrategyError) { return .success(try await Interpreter.startMain(config)) } catch { return .failure(error) }
            }
            t = created
            return created
        }
        return try await task.value.get()
    }

    static func nextSubID() -> Int { subCounter.add(1, ordering: .relaxed).newValue }
}
