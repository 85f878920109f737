import Foundation
import Platform
@testable import PlatformAPI
import StrategyRuntime
import Testing

/// The dashboard's numbers and drawings: equity curves, the reference account, charts, formats.
@Suite("Dashboard models and charts")
struct DashboardModelTests {
    /// Five 1m candles closing at 100, 110, 105, 120, 90.
    static let bars = CandleWindow(symbol: "BTCUSDT", timeframe: "1m", times: [0, 60_000, 120_000, 180_000, 240_000],
                                   open: [100, 100, 110, 105, 120], high: [101, 111, 111, 121, 121], low: [99, 99, 104, 104, 89],
                                   close: [100, 110, 105, 120, 90], volume: [1, 1, 1, 1, 1])

    @Test("equity is the capital plus closed P&L plus the open trade marked at each close; drawdown from the running peak")
    func equityCurve() {
        // Long 1 at 100 (candle 0) closed at 120 (candle 3), then long 2 at 120 still open.
        let trade = Trade(side: .long, entryTime: 0, exitTime: 180_000, entryPrice: 100, exitPrice: 120, qty: 1, pnl: 20, returnPct: 20,
                          reason: "signal")
        let open = Position(side: .long, qty: 2, entryPrice: 120, entryTime: 180_000, entryFee: 0)
        let curve = EquityCurve.build(capital: 1_000, trades: [trade], open: open, bars: Self.bars)
        #expect(curve.points.map(\.equity) == [1_000, 1_010, 1_005, 1_020, 960])
        #expect(abs(curve.points[2].drawdownPct - 5.0 / 1_010 * 100) < 1e-9)
        #expect(abs(curve.maxDrawdownPct - 60.0 / 1_020 * 100) < 1e-9)
    }

    @Test("the reference account trades the signals with its whole capital: a BUY at 100 reversed by a SELL at 120 gains 20 %")
    func referenceReplay() {
        let signals = [ReferenceSignal(id: 1, candleTime: 0, action: .buy, entryPrice: 100),
                       ReferenceSignal(id: 2, candleTime: 180_000, action: .sell, entryPrice: 120)]
        let perf = ReferenceAccount.replay(signals: signals, bars: Self.bars)
        #expect(perf.trades.count == 1)
        #expect(abs(perf.trades[0].pnl - 2_000) < 1e-6, "100 units of 100 sold at 120")
        #expect(perf.open?.side == .short && perf.open?.entryPrice == 120)
        let mark = perf.open.map { $0.markToMarket(90) } ?? 0
        let expected = (2_000 + mark) / 10_000 * 100
        #expect(abs(perf.stats.returnPct - expected) < 1e-9)
        #expect(perf.curve.points.count == 5 && perf.signals == 2)
        #expect(ReferenceAccount.replay(signals: [], bars: Self.bars).stats.trades == 0)
    }

    @Test("a stop below the entry closes the reference position on a later candle's low")
    func referenceStop() {
        let signals = [ReferenceSignal(id: 1, candleTime: 60_000, action: .buy, entryPrice: 110, stopLoss: 106)]
        let perf = ReferenceAccount.replay(signals: signals, bars: Self.bars)
        #expect(perf.trades.first?.reason == "stop-loss" && perf.trades.first?.exitTime == 120_000)
        #expect(perf.open == nil)
    }

    @Test("the candle chart draws every candle, marks entries and exits with titles, and describes itself")
    func candleChart() {
        let trade = Trade(side: .long, entryTime: 0, exitTime: 180_000, entryPrice: 100, exitPrice: 120, qty: 1, pnl: 20, returnPct: 20,
                          reason: "take-profit")
        let svg = CandleChart(id: "t", bars: Self.bars, markers: CandleChart.markers(trades: [trade], open: nil), title: "BTC <1m>").render()
        #expect(svg.hasPrefix("<svg class=\"chart candles\"") && svg.hasSuffix("</svg>"))
        #expect(svg.contains("aria-labelledby=\"tt td\"") && svg.contains("<title id=\"tt\">BTC &lt;1m&gt;</title>"))
        #expect(svg.contains("<desc id=\"td\">5 1m candles of BTCUSDT"))
        #expect(svg.contains("class=\"m-buy\"") && svg.contains("class=\"m-exit\"") && svg.contains("Exit (take-profit) at 120.00"))
        let ups = svg.components(separatedBy: "class=\"body up\" d=\"").last?.prefix { $0 != "\"" } ?? ""
        #expect(ups.filter { $0 == "z" }.count == 3, "three rising candles")
        #expect(!svg.contains("nan") && !svg.contains("inf"))
        #expect(CandleChart(id: "e", bars: Self.bars.slice(0..<0), markers: [], title: "none").render().contains("No candles yet"))
    }

    @Test("the equity chart draws the curve and the drawdown area and states both in its description")
    func equityChart() {
        let curve = EquityCurve.build(capital: 1_000, trades: [], open: Position(side: .long, qty: 1, entryPrice: 100, entryTime: 0, entryFee: 0),
                                      bars: Self.bars)
        let svg = EquityChart(id: "q", curve: curve, capital: 1_000, title: "Equity").render()
        #expect(svg.contains("class=\"line loss\"") && svg.contains("class=\"dd\"") && svg.contains("class=\"baseline\""))
        #expect(svg.contains("maximum drawdown 2.94 %"))
        #expect(EquityChart.sparkline(curve, capital: 1_000).contains("aria-hidden=\"true\""))
    }

    @Test("numbers and times read the same on every page")
    func formats() {
        #expect(Format.money(1_234_567.891) == "1,234,567.89")
        #expect(Format.money(-12.5) == "−12.50")
        #expect(Format.signedMoney(3) == "+3.00" && Format.signedPct(-1.234) == "−1.23 %" && Format.signedPct(0) == "0.00 %")
        #expect(Format.price(0.000123456) == "0.0001235" && Format.price(27_000.5) == "27,000.50")
        #expect(Format.qty(0.5) == "0.5" && Format.qty(2) == "2")
        #expect(Format.time(1_704_067_200_000) == "2024-01-01 00:00")
        #expect(Format.escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    }

    @Test("a load error's line is the last one its message names")
    func errorLines() {
        #expect(Dashboard.errorLine("SyntaxError: '(' was never closed (<upload>, line 3)") == 3)
        #expect(Dashboard.errorLine("File \"<upload>\", line 1, in <module>\n  File \"x\", line 12") == 12)
        #expect(Dashboard.errorLine("no line here") == nil)
    }

    @Test("an edit form sends the API only what changed, so an unchanged spec makes no new version")
    func editBody() throws {
        let spec = StrategyVersionSpec(source: "def main(d):\n    return None\n", params: "{\"a\": 1}", symbols: ["BTCUSDT"], timeframe: .m5,
                                       lookback: 50, isolation: .process)
        let s = Dashboard.EditBase(name: "n", description: "d", kind: .code, spec: spec)
        let same = FormData(fields: ["name": "n", "description": "d", "source": "def main(d):\r\n    return None\r\n", "symbols": "btcusdt",
                                     "timeframe": "5m", "lookback": "50", "params": "{ \"a\" : 1 }"])
        let (body, error) = Dashboard.strategyBody(same, over: s)
        #expect(error == nil && body.isEmpty, "\(body)")
        var changed = same.fields
        changed["lookback"] = "60"
        changed["name"] = "m"
        let (delta, _) = Dashboard.strategyBody(FormData(fields: changed), over: s)
        #expect(Set(delta.keys) == ["lookback", "name"])
        changed["params"] = "{oops"
        #expect(Dashboard.strategyBody(FormData(fields: changed), over: s).error?.field == "params")
    }

    @Test("form bodies decode like a browser encodes them")
    func formDecoding() {
        let f = FormData(encoded: "a=1&b=two+words&c=%3Cx%3E&d=&e&a=2")
        #expect(f["a"] == "2" && f["b"] == "two words" && f["c"] == "<x>" && f["d"] == "" && f["e"] == "")
        #expect(f.text("d") == nil && f.flag("e") && !f.flag("zz"))
    }
}
