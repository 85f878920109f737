import ArgumentParser
import Foundation
import StrategyRuntime

struct SignalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signals",
        abstract: "Walk a CSV candle by candle, as live execution would, and print every non-HOLD signal.",
        discussion: """
        Each call sees only the candles up to the one that just closed (at most --lookback of them). \
        The walk starts at the first candle with a full lookback window behind it (or at the last \
        candle of a shorter file). ctx.state carries over between calls.
        """)

    @Argument(help: "The strategy's Python file.") var file: String
    @OptionGroup var candles: CandleOptions
    @OptionGroup var runtime: RuntimeOptions
    @Flag(help: "Print one JSON object per line.") var json = false

    func run() async throws {
        let host = try await StrategyHost()
        do throws(StrategyError) {
            let all = try candles.load()
            let strategy = try await host.load(try StrategySource(file: file), isolation: runtime.isolation, limits: runtime.limits)
            var context = StrategyCallContext(paramsJSON: runtime.params)
            let first = min(candles.lookback, all.count) - 1
            var count = 0
            for end in first..<all.count {
                let window = all.window(endingAt: end, lookback: candles.lookback)
                let out = try await host.run(strategy, on: try host.frame(window), context: context)
                context.stateJSON = out.stateJSON
                for s in out.signals {
                    count += 1
                    print(json ? Output.json(Output.signalObject(s, time: all.times[end])) : SignalText.line(s, time: all.times[end]))
                }
            }
            if !json { print("\(count) signal(s) over \(all.count - first) candle(s)") }
        } catch {
            Output.fail(error, json: json)
        }
        Output.exit(code: 0)
    }
}
