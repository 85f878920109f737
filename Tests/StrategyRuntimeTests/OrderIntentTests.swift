import StrategyRuntime
import Testing

extension RuntimeTests {
    /// Order intents beside signals (ORDERS.md): validated into `OrderIntent`s, each problem an
    /// `invalid-signal` error naming the field; the same at `process` (over the worker's wire).
    @Suite struct OrderIntentTests {
        static let expected: [OrderIntent] = [
            .place(.limit(.buy, .quantity(0.01), at: 99.5, tag: "g3")),
            .place(.stop(.sell, .quantity(0.01), at: 95.0, tag: "sl", reduceOnly: true)),
            .place(.market(.buy, .quote(100), tag: "bo")),
            .cancel(tag: "g3"),
            .cancelAll,
        ]

        @Test(arguments: [IsolationLevel.shared, .process])
        func intentsAndSignalsComeBackInOrder(level: IsolationLevel) async throws {
            let out = try await Fixture.run("order_intents", isolation: level, context: StrategyCallContext(paramsJSON: "{}"))
            #expect(out.intents == Self.expected)
            #expect(out.signals.map(\.action) == [.buy])
        }

        @Test(arguments: [
            ("no_tag", "[1].tag"), ("bad_tag", "[1].tag"), ("bad_type", "[1].type"), ("both", "[1].quote"),
            ("neither", "[1].quantity"), ("limit_no_price", "[1].price"), ("stop_no_stop", "[1].stopPrice"),
            ("market_price", "[1].price"), ("nan_price", "[1].price"), ("huge_qty", "[1].quantity"),
            ("reduce_str", "[1].reduceOnly"), ("unknown", "[1].postOnly"), ("cancel_no_tag", "[1].tag"), ("wrong_symbol", "[1].symbol"),
        ])
        func aBrokenIntentNamesItsField(bad: String, field: String) async {
            let e = await Fixture.error("order_intents", context: StrategyCallContext(paramsJSON: #"{"bad": "\#(bad)"}"#))
            #expect(e?.code == .invalidSignal, "\(bad): \(e.map { "\($0)" } ?? "no error")")
            #expect(e?.field == field, "\(bad): \(e?.message ?? "")")
        }

        /// `ctx.account` and `ctx.rules` reach the strategy at every level.
        @Test(arguments: [IsolationLevel.shared, .subinterpreter, .process])
        func theAccountReachesTheStrategy(level: IsolationLevel) async throws {
            let host = try await Fixture.host()
            let code = """
                def main(data, ctx):
                    a = ctx.account
                    return {"action": "BUY" if a.market == "spot" and a.balances["quote"]["free"] == 500 and ctx.rules["tick_size"] == 0.01 else "SELL"}
                """
            let s = try await host.load(StrategySource(id: "account-\(level.rawValue)", code: code), isolation: level)
            let account = #"{"market": "spot", "balances": {"base": {"free": 0, "reserved": 0}, "quote": {"free": 500, "reserved": 0}}, "position": null, "open_orders": [], "fills": [], "rejected": []}"#
            let out = try await host.run(s, on: try host.frame(Fixture.window(30)),
                                         context: StrategyCallContext(accountJSON: account, rulesJSON: #"{"tick_size": 0.01}"#))
            #expect(out.signals.first?.action == .buy)
        }
    }
}
