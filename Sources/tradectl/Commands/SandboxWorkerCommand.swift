import ArgumentParser
import StrategyRuntime

/// `tradectl sandbox-worker`: serves `process`-level strategies to its parent over stdin/stdout.
struct SandboxWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox-worker", abstract: "Serve process-level strategies over stdin/stdout (started by the host).",
        shouldDisplay: false)

    @Option(help: "Apply the confinement, then report whether each path opens for reading, and exit.")
    var probe: [String] = []
    @Option(help: "auto (network namespace, else seccomp) or seccomp.") var networkGuard = "auto"
    @Option(help: "RLIMIT_CPU: CPU seconds over the worker's life.") var cpuSeconds = 3_600

    func run() async throws {
        guard let network = NetworkGuard(rawValue: networkGuard) else { throw ValidationError("--network-guard: auto or seccomp") }
        if !probe.isEmpty {
            for line in await WorkerServer.probe(probe, network: network) { print(line) }
            Output.exit(code: 0)
        }
        await WorkerServer.serve(network: network, cpuSeconds: cpuSeconds)
    }
}
