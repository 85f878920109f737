import ArgumentParser
import Foundation
import StrategyRuntime

/// `tradectl bench fanout`: sizing and commit for many subscribers, and candle close to committed orders.
struct BenchFanoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanout",
        abstract: "Fan-out and end-to-end latency on SQLite files: orders-10000, match-10000, fanout-1/100/10000, e2e-100x100, e2e-pandas-100x100, e2e-1x10000.")

    @Option(help: "Rounds (candles) per case.") var rounds = 50
    @Option(help: "Run only these case groups: orders, fanout, e2e (repeatable).") var only: [String] = []
    @Flag(help: "Print JSON: {\"cases\": [{name, p50_us, p99_us, n}]}.") var json = false

    func run() async throws {
        let root = try Output.projectRoot()
        let bench = FanoutBench(root: root, rounds: max(rounds, 5), only: Set(only),
                                progress: { if !json { FileHandle.standardError.write(Data("  \($0)…\n".utf8)) } })
        let cases = try await bench.runAll()
        if json {
            print(Output.json(["cases": cases.map(\.object)]))
        } else {
            print(BenchCase.table(cases))
        }
        Output.exit(code: 0)
    }
}
