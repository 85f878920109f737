import Foundation
import GRDB
@testable import Platform
import StrategyRuntime
import Testing

/// Issue 12, finding 1: a price of 1e-320 made a quantity of +inf and a fee of NaN, which SQLite
/// stored as NULL. Numbers are now checked where they enter and after every computation that can
/// overflow or divide; a result that is not finite or is absurd skips that one subscriber's order.
@Suite struct PoisonedNumbersTests {
    /// 1e-320: finite and > 0, but subnormal (written as text: the literal would warn that it underflows).
    static let subnormal = Double("1e-320")!
    let terms = try! SubscriptionTerms(capital: 10_000, riskPerTrade: 0.01, leverage: 5)

    @Test(arguments: [Self.subnormal, .leastNonzeroMagnitude, 1e-9, 2e9, Double.greatestFiniteMagnitude])
    func sizingSkipsAPriceOutsideTheSymbolsRange(price: Double) {
        guard case .skipped(let why) = Sizing.quantity(entry: price, stopLoss: nil, terms: terms, rules: SymbolRules()) else {
            Issue.record("price \(price) was sized: \(Sizing.quantity(entry: price, stopLoss: nil, terms: terms, rules: SymbolRules()))")
            return
        }
        #expect(why.contains("price"))
    }

    @Test(arguments: [(1.7e308, "capital"), (1e13, "capital"), (Double.nan, "capital")])
    func absurdCapitalIsRefusedNamingTheField(capital: Double, field: String) {
        let error = #expect(throws: PlatformError.self) { try SubscriptionTerms(capital: capital, riskPerTrade: 0.01, leverage: 125) }
        #expect(error?.field == field)
    }

    @Test func statsStayFiniteWhenTheOnlyLossIsSubnormal() {
        let win = Trade(side: .long, entryTime: 0, exitTime: 1, entryPrice: 100, exitPrice: 110, qty: 1, pnl: 10, returnPct: 10, reason: "signal")
        var loss = win
        loss.pnl = -Self.subnormal
        let stats = TradeStats.compute(trades: [win, loss], unrealised: 0, capital: 1_000)
        #expect(stats.profitFactor.map(\.isFinite) ?? true)
        #expect(stats.returnPct.isFinite && stats.maxDrawdownPct.isFinite && stats.realisedPnl.isFinite)
    }
}

extension PlatformTests {
    @Suite struct PoisonedFanoutTests {
        /// A subscription stored before the bounds (capital 1.7e308 × leverage 125 overflows):
        /// its order is skipped with a reason, every other subscriber fills, and the journal
        /// entry expands.
        @Test func aStoredSubscriptionWithAbsurdTermsSkipsOnlyItsOwnOrder() async throws {
            let (db, host, loaded, subs) = try await PlatformFixture.platform(strategy: "counter", subscribers: 3)
            let rich = try db.createUser(name: "rich")
            let richSub: Int64 = try db.write { d in
                try d.execute(sql: """
                    INSERT INTO subscriptions (user_id, strategy_id, capital, risk_per_trade, leverage, allow_short, status, created_at)
                    VALUES (?, ?, 1.7e308, 1, 125, 1, 'active', 0)
                    """, arguments: [rich, loaded.version.strategyID])
                return d.lastInsertedRowID
            }
            let report = try await try Coordinator(db: db, host: host).execute(loaded, frame: try host.frame(PlatformFixture.candles(CoordinatorTests.closes)))
            #expect(report.projectionError == nil)
            #expect(report.ordersFilled == subs.count)
            #expect(report.ordersSkipped == 1)
            #expect(try db.pendingFanouts() == 0)
            let orders = try db.orders(userID: rich, subscriptionID: richSub, open: nil, limit: 10, offset: 0).items
            #expect(orders.count == 1)
            #expect(orders.first?.status == "rejected", "\(orders)")
            #expect(orders.allSatisfy { $0.qty.isFinite && $0.fee.isFinite && $0.price.isFinite })
            #expect(try db.openPosition(userID: rich, subscriptionID: richSub, symbol: "BTCUSDT") == nil)
            #expect(try db.openPosition(userID: subs[0].user, subscriptionID: subs[0].subscription, symbol: "BTCUSDT") != nil)
        }

        /// A position whose quantity is +inf (left by the old code) cannot be closed into a
        /// finite trade: that subscriber's execution is set aside with one rejected order naming
        /// why and its account left as it was; the others close.
        @Test func aPoisonedPositionSkipsItsSubscriberOnly() throws {
            let terms = try SubscriptionTerms(capital: 1_000, riskPerTrade: 0.01)
            var healthy = AccountBook(account: try Account.futures(wallet: 900, leverage: 1))
            healthy.account.position = NetPosition(quantity: 1, entryPrice: 100, margin: 100, liquidationPrice: 0)
            var poisoned = healthy
            poisoned.account.position.quantity = .infinity
            let open = Position(side: .long, qty: 1, entryPrice: 100, entryTime: 0, entryFee: 0)
            let inputs = FanoutInputs(subscribers: [
                FanoutSubscriber(id: 1, userID: 10, terms: terms, book: poisoned, ledger: TradeLedger(open: open)),
                FanoutSubscriber(id: 2, userID: 20, terms: terms, book: healthy, ledger: TradeLedger(open: open)),
            ], rules: SymbolRules(futuresMakerFee: 0, futuresTakerFee: 0))
            let bar = Bar(time: 60_000, open: 100, high: 101, low: 99, close: 100.5)
            let fanout = try OrderFanout(rules: inputs.rules, slippageBps: 0, bar: bar,
                                         signals: [Signal(action: .close, entryPrice: 100.5, symbol: "BTCUSDT")], intents: [],
                                         referenceCapital: 10_000)
            let out = fanout.run(inputs)
            let changes = try FanoutJournal.decode(try #require(out.entry), row: 1)
            #expect(changes.count == 2 && out.changed == 2)
            let bad = try #require(changes.first { $0.subscriptionID == 1 })
            #expect(bad.orders.map(\.reason) == [.notFinite])
            #expect(bad.fills.isEmpty && bad.trades.isEmpty)
            #expect(out.subscribers[0].book.account == poisoned.account, "the account is left as it was")
            let good = try #require(changes.first { $0.subscriptionID == 2 })
            #expect(good.isFinite)
            #expect(good.trades.first?.pnl == 0.5)
            #expect(out.subscribers[1].book.account.position.quantity == 0)
        }

        /// Signals given to the coordinator directly (webhooks, replays) are checked like a
        /// strategy's: a bar or a price out of bounds is a typed error and nothing is committed.
        @Test(arguments: [PoisonedNumbersTests.subnormal, 2e9, Double.nan])
        func aSignalPricedOutOfBoundsIsRefusedBeforeTheCommit(price: Double) async throws {
            let (db, host, loaded, _) = try await PlatformFixture.platform(strategy: "counter", subscribers: 2)
            let bar = CandleWindow(symbol: "BTCUSDT", timeframe: "1m", times: [60_000], open: [price], high: [price], low: [price],
                                   close: [price], volume: [0])
            let error = await #expect(throws: PlatformError.self) {
                try await try Coordinator(db: db, host: host).commit(signals: [Signal(action: .buy, entryPrice: price, symbol: "BTCUSDT")],
                                                                  version: loaded.version, window: bar)
            }
            #expect(error?.code == .invalidInput)
            #expect(error?.field == "price")
            #expect(try db.executionCount() == 0)
        }
    }
}
