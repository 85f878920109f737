import GRDB
import StrategyRuntime

extension PlatformDatabase {
    /// Stores candles (replacing rows with the same open time). Validated before anything is written.
    public func importCandles(_ w: CandleWindow) throws(PlatformError) -> Int {
        do {
            try w.validate()
        } catch {
            throw PlatformError(.invalidInput, error.message)
        }
        return try write { db in
            let insert = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO candles (symbol, timeframe, open_time, open, high, low, close, volume) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for i in 0..<w.count {
                try insert.execute(arguments: [w.symbol, w.timeframe, w.times[i], w.open[i], w.high[i], w.low[i], w.close[i], w.volume[i]])
            }
            return w.count
        }
    }

    public func candles(symbol: String, timeframe: Timeframe, from: Int64, through: Int64) throws(PlatformError) -> CandleWindow {
        try read { db in
            var w = CandleWindow(symbol: symbol, timeframe: timeframe.rawValue, times: [], open: [], high: [], low: [], close: [], volume: [])
            let rows = try Row.fetchCursor(db, sql: """
                SELECT open_time, open, high, low, close, volume FROM candles
                WHERE symbol = ? AND timeframe = ? AND open_time BETWEEN ? AND ? ORDER BY open_time
                """, arguments: [symbol, timeframe.rawValue, from, through])
            while let r = try rows.next() {
                w.times.append(r[0]); w.open.append(r[1]); w.high.append(r[2]); w.low.append(r[3]); w.close.append(r[4]); w.volume.append(r[5])
            }
            return w
        }
    }
}
