import Foundation
import Platform
import StrategyRuntime
import Testing

@Suite struct ReconciliationTests {
    typealias R = Reconciliation

    func order(_ id: Int64, _ type: OrderType = .limit, state: OrderState = .new, filled: Double = 0, placedAt: Int64 = 1_000) -> Order {
        Order(id: id, tag: OrderTag("t\(id)")!, side: .buy, type: type, quantity: 1, price: type == .limit ? 100 : nil, state: state,
              filled: filled, placedAt: placedAt)
    }

    func reported(_ cid: String, _ state: OrderState, filled: Double = 0) -> ExchangeOrder {
        ExchangeOrder(exchangeID: "x-\(cid)", clientID: cid, symbol: "BTCUSDT", side: .buy, type: .limit, quantity: 1, price: 100,
                      state: state, filled: filled, averagePrice: filled > 0 ? 100 : 0, updatedAt: 5_000)
    }

    @Test func everyDisagreementGetsItsResolutionTheSameWayEachTime() {
        let key = ExecutionKey(versionID: 1, symbol: "BTCUSDT", timeframe: "1m", candleTime: 0)
        let ids = (1...7).map { ClientOrderID.derive(key: key, subscriptionID: 9, leg: Int64($0)) }
        let recorded = [
            R.RecordedOrder(clientID: ids[0], symbol: "BTCUSDT", order: order(1), confirmed: false),                        // placed, never recorded
            R.RecordedOrder(clientID: ids[1], symbol: "BTCUSDT", order: order(2), confirmed: false),                        // never reached the exchange
            R.RecordedOrder(clientID: ids[2], symbol: "BTCUSDT", order: order(3, .market, placedAt: 0), confirmed: false),  // stale market order
            R.RecordedOrder(clientID: ids[3], symbol: "BTCUSDT", order: order(4), confirmed: true),                         // filled while we were down
            R.RecordedOrder(clientID: ids[4], symbol: "BTCUSDT", order: order(5, state: .partiallyFilled, filled: 0.2), confirmed: true),
            R.RecordedOrder(clientID: ids[5], symbol: "BTCUSDT", order: order(6), confirmed: true),                         // gone from the exchange
        ]
        let snapshot = R.Snapshot(
            queried: [ids[0]: reported(ids[0], .new), ids[1]: nil, ids[2]: nil, ids[3]: reported(ids[3], .filled, filled: 1),
                      ids[4]: reported(ids[4], .partiallyFilled, filled: 0.6), ids[5]: nil],
            openOrders: [reported(ids[0], .new), reported(ids[4], .partiallyFilled, filled: 0.6), reported(ids[6], .new),
                         ExchangeOrder(exchangeID: "manual", clientID: "web_abc", symbol: "BTCUSDT", side: .sell, type: .limit, quantity: 1,
                                       price: 200, state: .new, filled: 0, averagePrice: 0, updatedAt: 1)],
            balances: [AssetBalance(asset: "USDT", free: 900, locked: 100), AssetBalance(asset: "BTC", free: 1, locked: 0),
                       AssetBalance(asset: "BNB", free: 3, locked: 0)],
            positions: [ExchangePosition(symbol: "BTCUSDT", quantity: 0.5, entryPrice: 100, leverage: 5, liquidationPrice: 80, isolatedMargin: 10)])
        let findings = R.reconcile(recorded: recorded, balances: ["USDT": 1_000, "BTC": 0.4], positions: ["BTCUSDT": 0],
                                   exchange: snapshot, now: 120_000)
        #expect(findings == R.reconcile(recorded: recorded.reversed(), balances: ["BTC": 0.4, "USDT": 1_000], positions: ["BTCUSDT": 0],
                                        exchange: snapshot, now: 120_000))
        let byID = Dictionary(findings.map { f -> (String, R.Resolution) in
            switch f.disagreement {
            case .unconfirmedFound(let c), .unconfirmedMissing(let c), .missingOnExchange(let c), .unrecordedOpenOrder(let c): return (c, f.resolution)
            case .stateDiffers(let c, _, _), .fillDiffers(let c, _, _): return (c, f.resolution)
            case .foreignOpenOrder(let x): return (x, f.resolution)
            case .balanceDiffers(let a, _, _): return (a, f.resolution)
            case .positionDiffers(let s, _, _): return ("pos:" + s, f.resolution)
            }
        }, uniquingKeysWith: { a, _ in a })
        #expect(byID[ids[0]] == .adopt(reported(ids[0], .new)))
        #expect(byID[ids[1]] == .placeAgain(clientID: ids[1]))
        #expect(byID[ids[2]] == .expire(clientID: ids[2]))
        #expect(byID[ids[3]] == .adopt(reported(ids[3], .filled, filled: 1)))
        #expect(byID[ids[4]] == .adopt(reported(ids[4], .partiallyFilled, filled: 0.6)))
        #expect(byID[ids[5]] == .expire(clientID: ids[5]))
        #expect(byID[ids[6]] == .cancelOnExchange(symbol: "BTCUSDT", clientID: ids[6]))
        #expect(byID["manual"] == .leaveAlone)
        #expect(byID["USDT"] == nil)  // 900 + 100 agree with 1,000
        #expect(byID["BTC"] == .adoptBalance(AssetBalance(asset: "BTC", free: 1, locked: 0)))
        #expect(byID["BNB"] == nil)  // not tracked by the platform
        #expect(byID["pos:BTCUSDT"] == .adoptPosition(snapshot.positions[0]))
        #expect(findings.count == 10)
    }

    @Test func agreementGivesNoFindings() {
        let cid = ClientOrderID.derive(key: ExecutionKey(versionID: 1, symbol: "BTCUSDT", timeframe: "1m", candleTime: 0), subscriptionID: 1, leg: 1)
        let recorded = [R.RecordedOrder(clientID: cid, symbol: "BTCUSDT", order: order(1), confirmed: true)]
        let snapshot = R.Snapshot(queried: [cid: reported(cid, .new)], openOrders: [reported(cid, .new)],
                                  balances: [AssetBalance(asset: "USDT", free: 500, locked: 100)], positions: [])
        #expect(R.reconcile(recorded: recorded, balances: ["USDT": 600.0000001], positions: [:], exchange: snapshot, now: 0).isEmpty)
    }
}
