import ArgumentParser
import Platform
import StrategyRuntime

extension IsolationLevel: ExpressibleByArgument {}

/// Options every command that runs a strategy shares.
struct RuntimeOptions: ParsableArguments {
    @Option(help: "Isolation level: shared, subinterpreter or process.")
    var isolation: IsolationLevel = .shared

    @Option(name: .customLong("timeout-ms"), help: "Wall-clock timeout per call, in milliseconds.")
    var timeoutMs: Int = 2000

    @Option(name: .customLong("memory-mb"), help: "Memory budget per call, in MiB.")
    var memoryMb: Int = 512

    @Option(help: "Strategy parameters as a JSON object (ctx.params).")
    var params: String = "{}"

    var limits: StrategyLimits {
        var l = StrategyLimits()
        l.timeout = .milliseconds(timeoutMs)
        l.memoryBytes = memoryMb << 20
        return l
    }

    func validate() throws {
        guard timeoutMs > 0 else { throw ValidationError("--timeout-ms must be > 0") }
        guard memoryMb > 0 else { throw ValidationError("--memory-mb must be > 0") }
    }
}

/// The candle file options of `strategy run` and `signals`.
struct CandleOptions: ParsableArguments {
    @Option(help: "CSV file of OHLCV candles.")
    var candles: String

    @Option(help: "The symbol the candles belong to.")
    var symbol: String

    @Option(help: "The candles' timeframe: 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 1w.")
    var timeframe: String

    @Option(help: "How many candles each call sees (the last one just closed).")
    var lookback: Int = 200

    func validate() throws {
        guard lookback > 0 else { throw ValidationError("--lookback must be > 0") }
        guard Timeframe(rawValue: timeframe) != nil else {
            throw ValidationError("unknown timeframe '\(timeframe)'; expected one of "
                                  + Timeframe.allCases.map(\.rawValue).joined(separator: " "))
        }
    }

    func load() throws(StrategyError) -> CandleWindow {
        try CandleCSV.read(path: candles, symbol: symbol, timeframe: timeframe)
    }

    /// A `--symbol` value that enters the platform (stored, scheduled), upper-cased and checked
    /// against its symbol grammar. (`strategy run` and `signals` take any name: nothing is stored.)
    static func symbol(_ text: String) throws -> String {
        do {
            return try SymbolGrammar.normalized(text)
        } catch {
            throw ValidationError("--symbol: \(error.message)")
        }
    }
}
