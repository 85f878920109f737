import StrategyRuntime

/// What a subscriber risks on each signal.
public struct SubscriptionTerms: Sendable, Equatable, Codable {
    public var capital: Double
    public var riskPerTrade: Double
    public var leverage: Double
    public var allowShort: Bool

    /// - Throws: `PlatformError.invalidInput` naming the field: capital > 0, 0 < riskPerTrade ≤ 1,
    ///   1 ≤ leverage ≤ 125.
    public init(capital: Double, riskPerTrade: Double, leverage: Double = 1, allowShort: Bool = true) throws(PlatformError) {
        guard capital.isFinite, capital > 0 else { throw PlatformError(.invalidInput, "capital must be > 0, got \(capital)", field: "capital") }
        guard riskPerTrade.isFinite, riskPerTrade > 0, riskPerTrade <= 1 else {
            throw PlatformError(.invalidInput, "riskPerTrade must be in (0, 1], got \(riskPerTrade)", field: "riskPerTrade")
        }
        guard leverage.isFinite, leverage >= 1, leverage <= 125 else {
            throw PlatformError(.invalidInput, "leverage must be in [1, 125], got \(leverage)", field: "leverage")
        }
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

    public init(lotStep: Double = 0, minNotional: Double = 0) {
        self.lotStep = lotStep
        self.minNotional = minNotional
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
        guard entry.isFinite, entry > 0 else { return .skipped("entry price \(entry) is not positive") }
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
        guard qty > 0 else { return .skipped("quantity rounds down to 0 at lot step \(rules.lotStep)") }
        if qty * entry < rules.minNotional {
            return .skipped("notional \(qty * entry) is below the minimum \(rules.minNotional)")
        }
        return .quantity(qty)
    }
}
