import ArgumentParser
import StrategyRuntime

/// `tradectl sandbox-worker`: serves `process`-level strategies to its parent over stdin/stdout.
struct SandboxWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox-worker", abstract: "Serve process-level strategies over stdin/stdout (started by the host).",
        shouldDisplay: false)

    @Option(help: "Apply the confinement, then report whether each path opens for reading, and exit.")
    var probe: [String] = []

    func run() async throws {
        if !probe.isEmpty {
            for line in await WorkerServer.probe(probe) { print(line) }
            Output.exit(code: 0)
        }
        await WorkerServer.serve()
    }
}
