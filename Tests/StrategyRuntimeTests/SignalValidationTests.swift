import StrategyRuntime
import Testing

extension RuntimeTests {
    @Suite struct SignalValidationTests {
        @Test func validBuyDefaultsEntryToClose() async throws {
            let w = Fixture.window()
            let out = try await Fixture.run("good_buy", window: w)
            let s = try #require(out.signals.first)
            #expect(s.action == .buy)
            #expect(s.entryPrice == w.close.last!)
            #expect(s.stopLoss! < s.entryPrice && s.takeProfit! > s.entryPrice)
            #expect(s.symbol == "BTCUSDT")
        }

        @Test func listOfSignalsDropsHoldAndUppercasesActions() async throws {
            let out = try await Fixture.run("list_signals")
            #expect(out.signals.map(\.action) == [.close, .sell])
        }

        @Test(arguments: [
            ("bad_nan", "entryPrice"), ("bad_action", "action"), ("bad_type", "stopLoss"),
            ("bad_stop_side", "stopLoss"), ("bad_return", "return"), ("bad_symbol", "symbol"),
        ])
        func invalidSignalNamesTheField(fixture: String, field: String) async {
            let e = await Fixture.error(fixture)
            #expect(e?.code == .invalidSignal)
            #expect(e?.field == field)
        }
    }
}
