import ArgumentParser
import Foundation
import StrategyRuntime

/// `tradectl bench memory`: host RSS with one pandas strategy loaded, then with many, at `shared`.
struct BenchMemoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Host RSS with 1 and with N pandas strategies loaded (and each run once) at isolation 'shared'.")

    @Option(help: "How many strategies to load in the second measurement.") var strategies = 100
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let root = try Output.projectRoot()
        let host = try await StrategyHost()
        let files = ["sma_crossover", "rsi_reversion"].filter { $0 != "rsi_reversion" || host.capabilities.talib }
        let frame: CandleFrame
        var loaded: [Strategy] = []
        var rssOne = 0.0, rssMany = 0.0
        do throws(StrategyError) {
            frame = try host.frame(SyntheticCandles(seed: 3).generate(500))
            for i in 0..<max(strategies, 2) {
                let name = files[i % files.count]
                let source = try StrategySource(file: "\(root)/python/strategies/\(name).py", id: "\(name)-\(i)")
                let strategy = try await host.load(source)
                _ = try await host.run(strategy, on: frame)
                loaded.append(strategy)
                if i == 0 { rssOne = Self.residentMiB() }
            }
            for strategy in loaded { _ = try await host.run(strategy, on: frame) }
            rssMany = Self.residentMiB()
        } catch {
            Output.fail(error, json: json)
        }
        let delta = rssMany - rssOne
        if json {
            print(Output.json(["strategies": loaded.count, "rss_one_mib": rssOne, "rss_many_mib": rssMany, "delta_mib": delta]))
        } else {
            print(String(format: "RSS with 1 strategy: %.1f MiB; with %d: %.1f MiB; difference %.1f MiB (target ≤ 50 MB)",
                         rssOne, loaded.count, rssMany, delta))
        }
        Output.exit(code: 0)
    }

    /// VmRSS of this process, from /proc/self/status.
    static func residentMiB() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
        return kib / 1024
    }
}
