import StrategyRuntime

/// Trading rules of one symbol, as stored and cached: the sizing rules of signals (lot step,
/// minimum notional, price and quantity bounds) and what the paper exchange applies per market
/// (tick size, minimum quantity, maker and taker fees, maintenance margin). `market(_:)` gives
/// the engine's view of one market (`MarketRules`).
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
    /// Prices of orders are rounded to the nearest multiple (0: no tick).
    public var tickSize: Double
    /// Orders under this quantity, after rounding, are rejected (0: no minimum).
    public var minQuantity: Double
    /// Fees per market as fractions (nil: the defaults, 0.1 %/0.1 % spot, 0.02 %/0.05 % futures).
    public var spotMakerFee: Double?
    public var spotTakerFee: Double?
    public var futuresMakerFee: Double?
    public var futuresTakerFee: Double?
    /// Maintenance margin rate and amount of futures positions.
    public var mmr: Double
    public var cum: Double

    public init(lotStep: Double = 0, minNotional: Double = 0, minPrice: Double = MarketBounds.price.lowerBound,
                maxPrice: Double = MarketBounds.price.upperBound, maxQuantity: Double = MarketBounds.maxQuantity,
                tickSize: Double = 0, minQuantity: Double = 0, spotMakerFee: Double? = nil, spotTakerFee: Double? = nil,
                futuresMakerFee: Double? = nil, futuresTakerFee: Double? = nil, mmr: Double = 0.005, cum: Double = 0) {
        self.lotStep = lotStep
        self.minNotional = minNotional
        self.minPrice = minPrice
        self.maxPrice = maxPrice
        self.maxQuantity = maxQuantity
        self.tickSize = tickSize
        self.minQuantity = minQuantity
        self.spotMakerFee = spotMakerFee
        self.spotTakerFee = spotTakerFee
        self.futuresMakerFee = futuresMakerFee
        self.futuresTakerFee = futuresTakerFee
        self.mmr = mmr
        self.cum = cum
    }

    /// Checks rules before they are stored.
    ///
    /// - Throws: `PlatformError.invalidInput` naming the field: lotStep and minNotional finite and
    ///   ≥ 0, minPrice < maxPrice within `MarketBounds.price`, 0 < maxQuantity ≤ `MarketBounds.maxQuantity`,
    ///   and what `MarketRules` checks for each market (tick, minimum quantity, fees, mmr).
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
        for kind in MarketKind.allCases { _ = try market(kind) }
    }

    /// The paper exchange's rules of this symbol on `kind`.
    ///
    /// - Throws: `PlatformError.invalidInput` naming the field (`MarketRules.init`).
    public func market(_ kind: MarketKind) throws(PlatformError) -> MarketRules {
        try MarketRules(market: kind, tickSize: tickSize, lotStep: lotStep, minQuantity: minQuantity, minNotional: minNotional,
                        makerFee: kind == .spot ? spotMakerFee : futuresMakerFee, takerFee: kind == .spot ? spotTakerFee : futuresTakerFee,
                        mmr: mmr, cum: cum)
    }
}

extension SymbolRules {
    /// The rules as one line of text for a shared cache: "v2|" then the 13 numbers, comma-separated,
    /// an absent fee empty.
    public var cacheText: String {
        let fees = [spotMakerFee, spotTakerFee, futuresMakerFee, futuresTakerFee].map { $0.map { "\($0)" } ?? "" }
        return "v2|" + ([lotStep, minNotional, minPrice, maxPrice, maxQuantity, tickSize, minQuantity].map { "\($0)" } + fees
                        + ["\(mmr)", "\(cum)"]).joined(separator: ",")
    }

    /// Rules from `cacheText`; nil for anything else (a value written by another version included).
    public init?(cacheText: String) {
        guard cacheText.hasPrefix("v2|") else { return nil }
        let parts = cacheText.dropFirst(3).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 13 else { return nil }
        let numbers = parts.map { Double($0) }
        for i in [0, 1, 2, 3, 4, 5, 6, 11, 12] where numbers[i] == nil { return nil }
        for i in 7...10 where numbers[i] == nil && !parts[i].isEmpty { return nil }
        self.init(lotStep: numbers[0]!, minNotional: numbers[1]!, minPrice: numbers[2]!, maxPrice: numbers[3]!, maxQuantity: numbers[4]!,
                  tickSize: numbers[5]!, minQuantity: numbers[6]!, spotMakerFee: numbers[7], spotTakerFee: numbers[8],
                  futuresMakerFee: numbers[9], futuresTakerFee: numbers[10], mmr: numbers[11]!, cum: numbers[12]!)
    }
}
