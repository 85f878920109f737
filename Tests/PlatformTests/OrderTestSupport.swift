import Platform
import StrategyRuntime
import Testing

/// Small builders for the order engine's tests: exchanges, books, candles, intents.
enum Orders {
    static func spotRules(tick: Double = 0, lot: Double = 0, minQty: Double = 0, minNotional: Double = 0,
                          maker: Double = 0, taker: Double = 0) -> MarketRules {
        try! MarketRules(market: .spot, tickSize: tick, lotStep: lot, minQuantity: minQty, minNotional: minNotional,
                         makerFee: maker, takerFee: taker)
    }

    static func futuresRules(tick: Double = 0, lot: Double = 0, minNotional: Double = 0, maker: Double = 0,
                             taker: Double = 0, mmr: Double = 0.005) -> MarketRules {
        try! MarketRules(market: .futures, tickSize: tick, lotStep: lot, minNotional: minNotional, makerFee: maker,
                         takerFee: taker, mmr: mmr)
    }

    static func exchange(_ rules: MarketRules, slippageBps: Double = 0) -> PaperExchange {
        try! PaperExchange(rules: rules, slippageBps: slippageBps)
    }

    static func spot(quote: Double, base: Double = 0, at price: Double = 100) -> AccountBook {
        AccountBook(account: try! Account.spot(quote: quote, base: base, basePrice: base > 0 ? price : 0))
    }

    static func futures(wallet: Double, leverage: Double) -> AccountBook {
        AccountBook(account: try! Account.futures(wallet: wallet, leverage: leverage))
    }

    /// A candle at `time` (its open time).
    static func bar(_ time: Int64, _ open: Double, _ high: Double, _ low: Double, _ close: Double) -> Bar {
        Bar(time: time, open: open, high: high, low: low, close: close)
    }

    static func limit(_ side: OrderSide, _ qty: Double, _ price: Double, _ tag: OrderTag, reduceOnly: Bool = false) -> OrderIntent {
        .place(.limit(side, .quantity(qty), at: price, tag: tag, reduceOnly: reduceOnly))
    }

    static func stop(_ side: OrderSide, _ qty: Double, _ price: Double, _ tag: OrderTag, reduceOnly: Bool = false) -> OrderIntent {
        .place(.stop(side, .quantity(qty), at: price, tag: tag, reduceOnly: reduceOnly))
    }

    static func market(_ side: OrderSide, _ qty: Double, _ tag: OrderTag, reduceOnly: Bool = false) -> OrderIntent {
        .place(.market(side, .quantity(qty), tag: tag, reduceOnly: reduceOnly))
    }

    static func terms(capital: Double = 10_000, risk: Double = 0.01, leverage: Double = 1, allowShort: Bool = true) -> SubscriptionTerms {
        try! SubscriptionTerms(capital: capital, riskPerTrade: risk, leverage: leverage, allowShort: allowShort)
    }

    static func signal(_ action: Signal.Action, close: Double, stopLoss: Double? = nil, takeProfit: Double? = nil) -> Signal {
        Signal(action: action, entryPrice: close, stopLoss: stopLoss, takeProfit: takeProfit, symbol: "BTCUSDT")
    }
}

extension OrderJournal {
    /// The transitions of the order tagged `tag`, as (to, reason).
    func history(_ tag: OrderTag) -> [(OrderState, OrderReason)] {
        transitions.filter { $0.tag == tag }.map { ($0.to, $0.reason) }
    }

    /// The last state the order tagged `tag` reached.
    func state(_ tag: OrderTag) -> OrderState? { transitions.last { $0.tag == tag }?.to }

    func reason(_ tag: OrderTag) -> OrderReason? { transitions.last { $0.tag == tag }?.reason }
}

/// |a − b| ≤ tolerance.
func near(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= tolerance
}
