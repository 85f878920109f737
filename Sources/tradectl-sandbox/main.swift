// The `process` isolation level's worker, started by `StrategyHost` (never by hand): it confines
// itself in the kernel before anything else runs, then serves strategies over its pipes.
import StrategyRuntime

WorkerServer.main(arguments: Array(CommandLine.arguments.dropFirst()))
