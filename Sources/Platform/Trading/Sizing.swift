import StrategyRuntime

/// What a subscriber risks on each signal.
public struct SubscriptionTerms: Sendable, Equatable, Codable {
    public var capital: Double
    public var riskPerTrade: Double
    public var leverage: Double
    public var allowShort: Bool
    /// Where the subscriber's orders go: futures (the default: shorts and leverage, as signals
    /// always had) or spot (balances; SELL only closes).
    public var market: MarketKind

    /// The largest capital a subscription may have (a trillion): with the 125× leverage cap and
    /// the smallest price, sizes stay far from overflow.
    public static let maxCapital = 1e12

    /// - Throws: `PlatformError.invalidInput` naming the field: 0 < capital ≤ 1e12,
    ///   0 < riskPerTrade ≤ 1, 1 ≤ leverage ≤ 125.
    public init(capital: Double, riskPerTrade: Double, leverage: Double = 1, allowShort: Bool = true,
                market: MarketKind = .futures) throws(PlatformError) {
        guard capital.isFinite, capital > 0, capital <= Self.maxCapital else {
            throw PlatformError(.invalidInput, "capital must be > 0 and at most \(Self.maxCapital), got \(capital)", field: "capital")
        }
        guard riskPerTrade.isFinite, riskPerTrade > 0, riskPerTrade <= 1 else {
            throw PlatformError(.invalidInput, "riskPerTrade must be in (0, 1], got \(riskPerTrade)", field: "riskPerTrade")
        }
        guard leverage.isFinite, leverage >= 1, leverage <= 125 else {
            throw PlatformError(.invalidInput, "leverage must be in [1, 125], got \(leverage)", field: "leverage")
        }
        self.init(stored: capital, riskPerTrade: riskPerTrade, leverage: leverage, allowShort: allowShort, market: market)
    }

    /// Terms as stored, unchecked: rows written before a bound existed still load, and sizing
    /// skips what they make absurd for that subscription alone.
    init(stored capital: Double, riskPerTrade: Double, leverage: Double, allowShort: Bool, market: MarketKind = .futures) {
        self.capital = capital
        self.riskPerTrade = riskPerTrade
        self.leverage = leverage
        self.allowShort = allowShort
        self.market = market
    }

    /// A fresh account for these terms: spot holds `capital` quote; futures a wallet of `capital`
    /// at the terms' leverage (1 on spot). Stored terms out of range give an empty account.
    func newAccount() -> Account {
        let capital = capital.isFinite && capital >= 0 && capital <= 1e15 ? capital : 0
        if market == .spot { return (try? Account.spot(quote: capital)) ?? Account.emptySpot }
        return (try? Account.futures(wallet: capital, leverage: min(max(leverage, 1), 125))) ?? Account.emptySpot
    }
}

/// A quantity sized for one subscriber, or the reason there is none.
public enum SizedQuantity: Sendable, Equatable {
    case quantity(Double)
    case skipped(String)
}

/// The sizing rule of DESIGN.md.
public enum Sizing {
    /// risk = capital × riskPerTrade; with a stop qty = risk / |entry − stop|, without one
    /// notional = risk × leverage; capped at capital × leverage / entry; rounded down to the lot
    /// step; skipped below the minimum notional.
    public static func quantity(entry: Double, stopLoss: Double?, terms: SubscriptionTerms, rules: SymbolRules) -> SizedQuantity {
        // Comparisons only on the way through; the reasons are built when an order is skipped.
        guard entry >= rules.minPrice, entry <= rules.maxPrice else {
            return .skipped("price \(entry) is outside the symbol's range \(rules.minPrice) … \(rules.maxPrice)")
        }
        let risk = terms.capital * terms.riskPerTrade
        var qty: Double
        if let stop = stopLoss, stop != entry {
            qty = risk / abs(entry - stop)
        } else {
            qty = risk * terms.leverage / entry
        }
        qty = min(qty, terms.capital * terms.leverage / entry)
        if rules.lotStep > 0 {
            // The small epsilon keeps 0.3 / 0.1 from rounding down to 2 steps.
            qty = (qty / rules.lotStep + 1e-9).rounded(.down) * rules.lotStep
            qty = (qty * 1e10).rounded() / 1e10  // 333 × 0.1 is 33.300000000000004 in binary
        }
        guard qty <= rules.maxQuantity else {
            return .skipped(qty.isFinite ? "quantity \(qty) is above the symbol's maximum \(rules.maxQuantity)"
                                         : "the size is not a finite number (capital \(terms.capital), leverage \(terms.leverage))")
        }
        guard qty > 0 else { return .skipped("quantity rounds down to 0 at lot step \(rules.lotStep)") }
        if qty * entry < rules.minNotional {
            return .skipped("notional \(qty * entry) is below the minimum \(rules.minNotional)")
        }
        return .quantity(qty)
    }
}
