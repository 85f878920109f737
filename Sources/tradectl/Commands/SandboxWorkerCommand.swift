import ArgumentParser
import StrategyRuntime

/// `tradectl sandbox-worker`: serves `process`-level strategies to its parent over stdin/stdout.
struct SandboxWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox-worker", abstract: "Serve process-level strategies over stdin/stdout (started by the host).",
        shouldDisplay: false)

    func run() async throws {
        await WorkerServer.serve()
    }
}
