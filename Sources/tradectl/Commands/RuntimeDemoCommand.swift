import ArgumentParser
import Foundation
import StrategyRuntime

struct RuntimeDemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime",
        abstract: "Load the example strategies, run them over a generated candle series, print signals and latency.")

    @Option(help: "Candles to walk.") var candles = 300
    @Option(help: "Candles each call sees.") var lookback = 200
    @Option(help: "Seed of the synthetic series.") var seed: UInt64 = 7
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let host = try await StrategyHost()
        let root = try Output.projectRoot()
        var examples: [(String, IsolationLevel, String)] = [
            ("sma_crossover", .shared, "{}"), ("momentum", .subinterpreter, #"{"lookback": 10, "threshold": 0.004}"#),
            ("noop", .shared, "{}"), ("noop", .subinterpreter, "{}"),
        ]
        if host.capabilities.talib { examples.insert(("rsi_reversion", .shared, "{}"), at: 1) }
        let series = SyntheticCandles(seed: seed).generate(candles + lookback)
        var rows: [[String: Any]] = []
        do throws(StrategyError) {
            var loaded: [(Strategy, String)] = []
            for (name, level, params) in examples {
                let src = try StrategySource(file: "\(root)/python/strategies/\(name).py", id: "\(name)-\(level.rawValue)")
                loaded.append((try await host.load(src, isolation: level), params))
            }
            var samples = [[UInt64]](repeating: [], count: loaded.count)
            var states = loaded.map { _ in "{}" }
            var signals = [Int](repeating: 0, count: loaded.count)
            let clock = ContinuousClock()
            for end in lookback..<series.count {
                let frame = try host.frame(series.window(endingAt: end, lookback: lookback))
                for (i, (strategy, params)) in loaded.enumerated() {
                    let start = clock.now
                    let out = try await host.run(strategy, on: frame, context: StrategyCallContext(paramsJSON: params, stateJSON: states[i]))
                    samples[i].append(UInt64((clock.now - start) / .nanoseconds(1)))
                    states[i] = out.stateJSON
                    for s in out.signals {
                        signals[i] += 1
                        if !json, signals[i] <= 3 { print("\(strategy.id.padding(toLength: 26, withPad: " ", startingAt: 0)) \(SignalText.line(s, time: series.times[end]))") }
                    }
                }
            }
            for (i, (strategy, _)) in loaded.enumerated() {
                rows.append(["strategy": strategy.id, "isolation": strategy.isolation.rawValue, "calls": samples[i].count,
                             "signals": signals[i], "p50_us": Output.percentileMicros(samples[i], 50),
                             "p99_us": Output.percentileMicros(samples[i], 99)])
            }
        } catch {
            Output.fail(error, json: json)
        }
        if json {
            print(Output.json(["candles": candles, "lookback": lookback, "strategies": rows]))
        } else {
            print("\nper-call latency over \(candles) candles (lookback \(lookback), frame built once per candle):")
            print("strategy                    isolation        calls  signals     p50 µs     p99 µs")
            for r in rows {
                let name = (r["strategy"] as! String).padding(toLength: 27, withPad: " ", startingAt: 0)
                let level = (r["isolation"] as! String).padding(toLength: 15, withPad: " ", startingAt: 0)
                print(name + " " + level + String(format: " %6d %8d %10.1f %10.1f", r["calls"] as! Int, r["signals"] as! Int,
                                                  r["p50_us"] as! Double, r["p99_us"] as! Double))
            }
        }
        Output.exit(code: 0)
    }
}
