import StrategyRuntime
import Testing

/// Issue 12, finding 1: every price that enters the runtime (candles, CSV rows, signals) is finite
/// and inside the market bounds, 1e-8 … 1e9, so no later product or quotient overflows.
@Suite struct NumberBoundsTests {
    static func window(close last: Double) -> CandleWindow {
        var w = SyntheticCandles(symbol: "BTCUSDT", timeframe: .m1, seed: 3).generate(5)
        w.close[4] = last
        return w
    }

    @Test(arguments: [Double.nan, .infinity, Double("1e-320")!, 0, -5, 2e9])
    func aCandlePriceOutsideTheBoundsIsAnInvalidInputError(price: Double) {
        let error = #expect(throws: StrategyError.self) { try Self.window(close: price).validate() }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("close") == true)
    }

    @Test func aNonFiniteOrNegativeVolumeIsRefused() {
        var w = Self.window(close: 100)
        w.volume[2] = .nan
        #expect(throws: StrategyError.self) { try w.validate() }
        w.volume[2] = -1
        #expect(throws: StrategyError.self) { try w.validate() }
    }

    @Test(arguments: ["1e-320", "2e9", "1e300"])
    func aCSVPriceOutsideTheBoundsNamesItsLine(price: String) {
        let text = "time,open,high,low,close\n1704067200,100,101,99,100\n1704067260,\(price),\(price),\(price),\(price)\n"
        let error = #expect(throws: StrategyError.self) { try CandleCSV.parse(text, symbol: "X", timeframe: "1m") }
        #expect(error?.message.contains("line 3") == true)
    }
}

extension RuntimeTests.SignalValidationTests {
    @Test(arguments: [("bad_tiny_stop", "stopLoss"), ("bad_huge_entry", "entryPrice")])
    func aPriceOutsideTheMarketBoundsIsAnInvalidSignal(fixture: String, field: String) async {
        let e = await Fixture.error(fixture)
        #expect(e?.code == .invalidSignal)
        #expect(e?.field == field)
    }
}
