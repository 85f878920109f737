import Foundation
import GRDB

/// DCA deals started by a strategy's signal (BOTS.md: bots and strategies meet here). A version
/// whose params say `"start": "signal"` and name a strategy by id in `strategy` is called with
/// that strategy's signals on the same symbol at this close and the one before, as
/// `params["_signals"]` (`[{"action", "time"}]`); the DCA bots' generated wrapper hands them to
/// the bot as `ctx.signals`, once each (it remembers the newest time it passed on).
enum BotSignals {
    /// The strategy a version's params name for starting deals, or nil (a cheap scan first: most
    /// versions never mention "signal").
    static func namedStrategy(_ params: String) -> Int64? {
        guard params.contains("\"signal\""),
              let object = (try? JSONSerialization.jsonObject(with: Data(params.utf8))) as? [String: Any],
              object["start"] as? String == "signal", let named = object["strategy"] as? String else { return nil }
        return Int64(named.trimmingCharacters(in: .whitespaces))
    }

    /// `params` with `_signals` added.
    static func params(_ params: String, signals: [(time: Int64, action: String)]) -> String {
        guard let close = params.lastIndex(of: "}") else { return params }
        let list = signals.map { "{\"action\":\"\($0.action)\",\"time\":\($0.time)}" }.joined(separator: ",")
        let head = params[..<close].trimmingCharacters(in: .whitespacesAndNewlines)
        return head + (head.hasSuffix("{") ? "" : ",") + "\"_signals\":[\(list)]}"
    }
}

extension PlatformDatabase {
    /// The signals a strategy published on `symbol` for candles in (`after`, `through`], oldest first.
    func signalActions(strategyID: Int64, symbol: String, after: Int64, through: Int64) throws(PlatformError) -> [(time: Int64, action: String)] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT e.candle_time, g.action FROM executions e JOIN signals g ON g.execution_id = e.id
                WHERE e.strategy_version_id IN (SELECT id FROM strategy_versions WHERE strategy_id = ?) AND e.symbol = ?
                  AND e.candle_time > ? AND e.candle_time <= ? ORDER BY e.candle_time, g.id
                """), arguments: [strategyID, symbol, after, through]).map { (time: $0[0], action: $0[1]) }
        }
    }
}
