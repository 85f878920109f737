import ArgumentParser
import Foundation
import StrategyRuntime

struct StrategyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strategy", abstract: "Check or run one strategy file.",
        subcommands: [Check.self, Run.self, StrategyList.self, StrategyShow.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load a strategy and report whether it follows the contract.")

        @Argument(help: "The strategy's Python file.") var file: String
        @OptionGroup var runtime: RuntimeOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let host = try await StrategyHost()
            do throws(StrategyError) {
                let strategy = try await host.load(try StrategySource(file: file), isolation: runtime.isolation, limits: runtime.limits)
                if json {
                    print(Output.json(["ok": true, "id": strategy.id, "isolation": strategy.isolation.rawValue,
                                       "takes_context": strategy.takesContext]))
                } else {
                    print("ok: \(file) loads at isolation '\(strategy.isolation.rawValue)'; main takes "
                          + (strategy.takesContext ? "(data, ctx)" : "(data)"))
                }
            } catch {
                Output.fail(error, json: json)
            }
            Output.exit(code: 0)
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a strategy once on the last --lookback candles of a CSV file.")

        @Argument(help: "The strategy's Python file.") var file: String
        @OptionGroup var candles: CandleOptions
        @OptionGroup var runtime: RuntimeOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let host = try await StrategyHost()
            do throws(StrategyError) {
                let all = try candles.load()
                let strategy = try await host.load(try StrategySource(file: file), isolation: runtime.isolation, limits: runtime.limits)
                let window = all.window(endingAt: all.count - 1, lookback: candles.lookback)
                let out = try await host.run(strategy, on: try host.frame(window),
                                             context: StrategyCallContext(paramsJSON: runtime.params))
                let time = window.times[window.count - 1]
                if json {
                    print(Output.json(["signals": out.signals.map { Output.signalObject($0, time: time) },
                                       "state": out.stateJSON, "stdout": out.stdout, "stderr": out.stderr,
                                       "strategy_us": Double(out.strategyNanos) / 1000]))
                } else {
                    if !out.stdout.isEmpty { print(out.stdout, terminator: out.stdout.hasSuffix("\n") ? "" : "\n") }
                    if out.signals.isEmpty { print("\(CandleCSV.isoString(time))  HOLD") }
                    for s in out.signals { print(SignalText.line(s, time: time)) }
                }
            } catch {
                Output.fail(error, json: json)
            }
            Output.exit(code: 0)
        }
    }
}

/// A signal as one line of text for people.
enum SignalText {
    static func line(_ s: Signal, time: Int64) -> String {
        var t = "\(CandleCSV.isoString(time))  \(s.action.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0)) \(s.symbol) @ \(fmt(s.entryPrice))"
        if let v = s.stopLoss { t += "  SL \(fmt(v))" }
        if let v = s.takeProfit { t += "  TP \(fmt(v))" }
        return t
    }

    static func fmt(_ v: Double) -> String { String(format: "%.4f", v) }
}
