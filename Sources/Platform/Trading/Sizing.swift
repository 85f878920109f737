import StrategyRuntime

/// What a subscriber risks on each signal.
public struct SubscriptionTerms: Sendable, Equatable, Codable {
    public var capital: Double
    public var riskPerTrade: Double
    public var leverage: Double
    public var allowShort: Bool

    /// The largest capital a subscription may have (a trillion): with the 125× leverage cap and
    /// the smallest price, sizes stay far from overflow.
    public static let maxCapital = 1e12

    /// - Throws: `PlatformError.invalidInput` naming the field: 0 < capital ≤ 1e12,
    ///   0 < riskPerTrade ≤ 1, 1 ≤ leverage ≤ 125.
    public init(capital: Double, riskPerTrade: Double, leverage: Double = 1, allowShort: Bool = true) throws(PlatformError) {
        guard capital.isFinite, capital > 0, capital <= Self.maxCapital else {
            throw PlatformError(.invalidInput, "capital must be > 0 and at most \(Self.maxCapital), got \(capital)", field: "capital")
        }
        guard riskPerTrade.isFinite, riskPerTrade > 0, riskPerTrade <= 1 else {
            throw PlatformError(.invalidInput, "riskPerTrade must be in (0, 1], got \(riskPerTrade)", field: "riskPerTrade")
        }
        guard leverage.isFinite, leverage >= 1, leverage <= 125 else {
            throw PlatformError(.invalidInput, "leverage must be in [1, 125], got \(leverage)", field: "leverage")
        }
        self.init(stored: capital, riskPerTrade: riskPerTrade, leverage: leverage, allowShort: allowShort)
    }

    /// Terms as stored, unchecked: rows written before a bound existed still load, and sizing
    /// skips what they make absurd for that subscription alone.
    init(stored capital: Double, riskPerTrade: Double, leverage: Double, allowShort: Bool) {
        self.capital = capital
        self.riskPerTrade = riskPerTrade
        self.leverage = leverage
        self.allowShort = allowShort
    }
}

/// Trading rules of one symbol.
public struct SymbolRules: Sendable, Equatable {
    /// Quantities are rounded down to a multiple of this (0: no rounding).
    public var lotStep: Double
    /// Orders below this notional are skipped (0: no minimum).
    public var minNotional: Double
    /// The prices an order may fill at; outside them the order is skipped. Within `MarketBounds.price`.
    public var minPrice: Double
    public var maxPrice: Double
    /// The largest quantity of one order; a larger size is skipped. At most `MarketBounds.maxQuantity`.
    public var maxQuantity: Double

    public init(lotStep: Double = 0, minNotional: Double = 0, minPrice: Double = MarketBounds.price.lowerBound,
                maxPrice: Double = MarketBounds.price.upperBound, maxQuantity: Double = MarketBounds.maxQuantity) {
        self.lotStep = lotStep
        self.minNotional = minNotional
        self.minPrice = minPrice
        self.maxPrice = maxPrice
        self.maxQuantity = maxQuantity
    }

    /// Checks rules before they are stored.
    ///
    /// - Throws: `PlatformError.invalidInput` naming the field: lotStep and minNotional finite and
    ///   ≥ 0, minPrice < maxPrice within `MarketBounds.price`, 0 < maxQuantity ≤ `MarketBounds.maxQuantity`.
    public func validate() throws(PlatformError) {
        for (field, v) in [("lotStep", lotStep), ("minNotional", minNotional)] where !(v.isFinite && v >= 0) {
            throw PlatformError(.invalidInput, "\(field) must be finite and ≥ 0, got \(v)", field: field)
        }
        for (field, v) in [("minPrice", minPrice), ("maxPrice", maxPrice)] where !MarketBounds.isPrice(v) {
            throw PlatformError(.invalidInput, "\(field) must be within \(MarketBounds.price), got \(v)", field: field)
        }
        guard minPrice < maxPrice else { throw PlatformError(.invalidInput, "minPrice must be below maxPrice", field: "minPrice") }
        guard maxQuantity > 0, maxQuantity <= MarketBounds.maxQuantity else {
            throw PlatformError(.invalidInput, "maxQuantity must be in (0, \(MarketBounds.maxQuantity)], got \(maxQuantity)", field: "maxQuantity")
        }
        guard lotStep <= maxQuantity else { throw PlatformError(.invalidInput, "lotStep is above maxQuantity", field: "lotStep") }
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
