import ArgumentParser
import Foundation
import Platform
import StrategyRuntime

/// Printing for people and for scripts, and the one place the CLI exits.
enum Output {
    /// One-line JSON text of a JSON-compatible value.
    static func json(_ value: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func signalObject(_ s: Signal, time: Int64?) -> [String: Any] {
        var o: [String: Any] = ["action": s.action.rawValue, "entryPrice": s.entryPrice, "symbol": s.symbol]
        if let t = time { o["time"] = CandleCSV.isoString(t) }
        if let v = s.stopLoss { o["stopLoss"] = v }
        if let v = s.takeProfit { o["takeProfit"] = v }
        return o
    }

    static func errorObject(_ e: StrategyError) -> [String: Any] {
        var o: [String: Any] = ["code": e.code.description, "message": e.message, "traceback": e.traceback ?? NSNull()]
        if let f = e.field { o["field"] = f }
        if let l = e.line { o["line"] = l }
        if let id = e.strategyID { o["strategy"] = id }
        return o
    }

    /// Reports a strategy error and exits non-zero, even if an interpreter thread is still stuck.
    static func fail(_ e: StrategyError, json: Bool) -> Never {
        if json {
            print(Output.json(["error": errorObject(e)]))
        } else {
            FileHandle.standardError.write(Data("error: \(e)\n".utf8))
            if let tb = e.traceback, !tb.isEmpty { FileHandle.standardError.write(Data(tb.utf8)) }
            if !e.stderr.isEmpty { FileHandle.standardError.write(Data("strategy stderr:\n\(e.stderr)\n".utf8)) }
        }
        exit(code: 1)
    }

    /// Reports a platform error and exits non-zero.
    static func failPlatform(_ e: PlatformError, json: Bool) -> Never {
        if json {
            var error: [String: Any] = ["code": e.code.rawValue, "message": e.message, "traceback": NSNull()]
            if let field = e.field { error["field"] = field }
            print(Output.json(["error": error]))
        } else {
            FileHandle.standardError.write(Data("error: \(e)\n".utf8))
        }
        exit(code: 1)
    }

    /// Flushes and ends the process at once: a quarantined strategy may still hold a Python thread.
    static func exit(code: Int32) -> Never {
        fflush(nil)  // flushes every open output stream
        _exit(code)
    }

    /// The repository root holding python/ (strategies, tradekit, baselines).
    static func projectRoot() throws -> String {
        guard let root = HostConfiguration.projectRoot else {
            throw ValidationError("cannot find python/; run from the repository or set TRADECTL_HOME")
        }
        return root
    }

    /// p-th percentile (0...100) of nanosecond samples, in microseconds.
    static func percentileMicros(_ samples: [UInt64], _ p: Double) -> Double {
        guard !samples.isEmpty else { return 0 }
        let sorted = samples.sorted()
        let rank = Int((p / 100 * Double(sorted.count - 1)).rounded())
        return Double(sorted[min(sorted.count - 1, max(0, rank))]) / 1000
    }
}
