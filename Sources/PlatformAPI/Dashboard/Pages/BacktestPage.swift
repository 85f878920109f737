import Foundation
import Hummingbird
import Platform
import StrategyRuntime
import Synchronization

extension Dashboard {
    /// Backtests running now (each holds a call slot of its author's sandbox worker).
    static let runningBacktests = Mutex(0)
    static let maxBacktests = 2

    var backtestRoutes: [Route] {
        [
            page(.get, "/strategies/{id}/backtest") { req in
                let s = try self.ownedStrategy(req)
                return try self.html("backtest", self.backtestForm(s, req.form), req, title: "Backtest \(s.name)", section: "strategies")
            },
            page(.post, "/strategies/{id}/backtest") { req in
                let s = try self.ownedStrategy(req)
                var view = self.backtestForm(s, req.form)
                do {
                    view.merge(try await self.runBacktest(s, req.form)) { $1 }
                } catch let e as PlatformError where e.code == .invalidInput {
                    view["error"] = e.message
                    return try self.html("backtest", view, req, title: "Backtest \(s.name)", section: "strategies", status: .unprocessableContent)
                }
                return try self.html("backtest", view, req, title: "Backtest \(s.name)", section: "strategies")
            },
        ]
    }

    func backtestForm(_ s: StrategySummary, _ form: FormData) -> [String: Any] {
        ["id": s.id, "name": s.name, "symbol": s.version.spec.symbols.first ?? "", "timeframe": s.version.spec.timeframe.rawValue,
         "version": s.version.version, "lookback": s.version.spec.lookback,
         "candles": form["candles"] ?? "500", "capital": form["capital"] ?? "10000", "riskPercent": form["riskPercent"] ?? "100",
         "leverage": form["leverage"] ?? "1", "feeBps": form["feeBps"] ?? "10", "enabled": services.host != nil]
    }

    /// Runs the strategy's newest version over the feed's newest candles, at isolation `process`
    /// in its author's sandbox worker, through the same coordinator and paper broker as live
    /// execution (`Backtester`).
    func runBacktest(_ s: StrategySummary, _ form: FormData) async throws -> [String: Any] {
        guard let host = services.host else { throw Problem(.serviceUnavailable, "backtests need the strategy runtime (tradectl serve)") }
        guard s.kind == .code else { throw PlatformError(.invalidInput, "webhook strategies have no code to backtest") }
        func number(_ name: String, _ range: ClosedRange<Double>) throws(PlatformError) -> Double {
            guard let v = Double((form[name] ?? "").trimmingCharacters(in: .whitespaces)), v.isFinite, range.contains(v) else {
                throw PlatformError(.invalidInput, "\(name) must be a number in \(Format.qty(range.lowerBound))…\(Format.qty(range.upperBound))", field: name)
            }
            return v
        }
        let count = Int(try number("candles", 10...2_000))
        let terms = try SubscriptionTerms(capital: try number("capital", 1...1e12), riskPerTrade: try number("riskPercent", 0.01...100) / 100,
                                          leverage: try number("leverage", 1...125))
        let spec = s.version.spec
        let symbol = spec.symbols.first ?? ""
        let lookback = min(spec.lookback, 2_000)
        let bars = try await recentBars(symbol: symbol, timeframe: spec.timeframe, count: count + lookback - 1)
        guard bars.count > lookback else {
            throw PlatformError(.invalidInput, "only \(bars.count) candles of \(symbol) \(spec.timeframe.rawValue) are available; the strategy needs more than its lookback (\(lookback))")
        }
        let admitted = Self.runningBacktests.withLock { n in n < Self.maxBacktests ? { n += 1; return true }() : false }
        guard admitted else { throw Problem(.tooManyRequests, "other backtests are running; try again in a moment", code: "busy") }
        defer { Self.runningBacktests.withLock { $0 -= 1 } }
        var source = StrategySource(id: "backtest-\(s.version.id)", version: s.version.version, code: spec.source, origin: "<backtest>")
        source.author = "user:\(s.ownerID)"
        let settings = BacktestSettings(terms: terms, feeBps: try number("feeBps", 0...1_000), lookback: lookback, isolation: .process,
                                        params: spec.params)
        let result = try await Backtester.run(source: source, candles: bars, settings: settings, host: host)
        let shown = bars.slice(max(0, bars.count - count)..<bars.count)
        let curve = EquityCurve.build(capital: terms.capital, trades: result.trades, open: result.open, bars: shown)
        var stats = result.stats
        stats.maxDrawdownPct = max(stats.maxDrawdownPct, curve.maxDrawdownPct)
        return [
            "ran": true, "stats": statsView(stats), "calls": result.candles, "failed": result.failedCalls > 0 ? "\(result.failedCalls)" : "",
            "seconds": String(format: "%.2f", result.wallSeconds),
            "equityChart": EquityChart(id: "bt-eq", curve: curve, capital: terms.capital, title: "Backtest equity and drawdown").render(),
            "candleChart": CandleChart(id: "bt-cc", bars: shown, markers: CandleChart.markers(trades: result.trades, open: result.open),
                                       title: "\(symbol) \(spec.timeframe.rawValue) candles with the backtest's entries and exits").render(),
            "trades": result.trades.suffix(100).reversed().map(tradeRow), "noTrades": result.trades.isEmpty,
            "moreTrades": result.trades.count > 100 ? "\(result.trades.count - 100)" : "",
        ]
    }

    func tradeRow(_ t: Trade) -> [String: Any] {
        ["side": t.side.rawValue, "entryTime": Format.time(t.entryTime), "exitTime": Format.time(t.exitTime),
         "entry": Format.price(t.entryPrice), "exit": Format.price(t.exitPrice), "qty": Format.qty(t.qty),
         "pnl": Format.signedMoney(t.pnl), "tone": Format.tone(t.pnl), "reason": t.reason]
    }
}
