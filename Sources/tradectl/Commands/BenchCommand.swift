import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure per-candle latency side by side.",
        subcommands: [BenchRuntimeCommand.self, BenchMemoryCommand.self, BenchFanoutCommand.self, BenchUnloadCommand.self,
                      BenchFairnessCommand.self, BenchDashboardCommand.self, BenchLiveCommand.self,
                      BenchBotsCommand.self, BenchBacktestCommand.self])
}
