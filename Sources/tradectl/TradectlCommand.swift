import ArgumentParser

@main
struct TradectlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tradectl",
        abstract: "Run Python trading strategies inside a warm, limited, embedded CPython.",
        subcommands: [DemoCommand.self, StrategyCommand.self, SignalsCommand.self, BacktestCommand.self, BotCommand.self, WorkerCommand.self, ServeCommand.self, CandlesCommand.self, UserCommand.self, SubscriptionCommand.self, ExecutionsCommand.self, JournalCommand.self, BenchCommand.self]
    )
}
