import StrategyRuntime

/// Which market an account trades on (ORDERS.md, Markets).
public enum MarketKind: String, Sendable, Codable, CaseIterable {
    /// Balances of base and quote; no shorting.
    case spot
    /// Linear, quote-margined perpetuals, one-way mode, isolated margin.
    case futures
}

/// Trading rules of one symbol on one market, as the order engine applies them: tick and lot
/// grids, minimums, maker and taker fees, and the maintenance margin of futures.
///
/// The engine's view of one market of a symbol, made from the stored `SymbolRules` by
/// `SymbolRules.market(_:)`; `sizingRules` gives `Sizing` what it reads.
public struct MarketRules: Sendable, Equatable {
    /// Prices an order may carry: `MarketBounds.price` (anything else is `invalid-price`).
    public static let priceBounds: ClosedRange<Double> = MarketBounds.price
    /// The largest quantity of one order, in base units (more is `invalid-quantity`).
    public static let maxQuantity = MarketBounds.maxQuantity

    public let market: MarketKind
    /// Prices are rounded to the nearest multiple (0: no tick).
    public let tickSize: Double
    /// Quantities are rounded down to a multiple (0: no lot step).
    public let lotStep: Double
    /// Orders under this quantity, after rounding, are rejected (`below-min-quantity`).
    public let minQuantity: Double
    /// Orders under this notional (quantity × price), after rounding, are rejected (`below-min-notional`).
    public let minNotional: Double
    /// Fee on limit fills, a fraction of the notional (0.001 = 0.1 %).
    public let makerFee: Double
    /// Fee on market and stop fills, a fraction of the notional.
    public let takerFee: Double
    /// Maintenance margin rate of futures positions.
    public let mmr: Double
    /// Maintenance amount of futures positions, in quote.
    public let cum: Double

    let priceGrid: DecimalGrid
    let lotGrid: DecimalGrid

    /// - Parameters:
    ///   - makerFee: defaults to 0.0002 on futures, 0.001 on spot.
    ///   - takerFee: defaults to 0.0005 on futures, 0.001 on spot.
    /// - Throws: `PlatformError.invalidInput` naming the field: every value finite and ≥ 0, the
    ///   steps and minimums within the quantity and price bounds, fees and mmr below 0.5.
    public init(market: MarketKind, tickSize: Double = 0, lotStep: Double = 0, minQuantity: Double = 0,
                minNotional: Double = 0, makerFee: Double? = nil, takerFee: Double? = nil, mmr: Double = 0.005,
                cum: Double = 0) throws(PlatformError) {
        let maker = makerFee ?? (market == .futures ? 0.0002 : 0.001)
        let taker = takerFee ?? (market == .futures ? 0.0005 : 0.001)
        let checks: [(String, Double, Double)] = [
            ("tickSize", tickSize, Self.priceBounds.upperBound), ("lotStep", lotStep, Self.maxQuantity),
            ("minQuantity", minQuantity, Self.maxQuantity), ("minNotional", minNotional, 1e18),
            ("makerFee", maker, 0.5), ("takerFee", taker, 0.5), ("mmr", mmr, 0.5), ("cum", cum, 1e18),
        ]
        for (field, value, limit) in checks where !(value >= 0 && value < limit) {
            throw PlatformError(.invalidInput, "\(field) must be finite, ≥ 0 and below \(limit), got \(value)", field: field)
        }
        self.market = market
        self.tickSize = tickSize
        self.lotStep = lotStep
        self.minQuantity = minQuantity
        self.minNotional = minNotional
        self.makerFee = maker
        self.takerFee = taker
        self.mmr = mmr
        self.cum = cum
        priceGrid = DecimalGrid(step: tickSize)
        lotGrid = DecimalGrid(step: lotStep)
    }

    /// The rules `Sizing.quantity` reads (lot step and minimum notional).
    public var sizingRules: SymbolRules { SymbolRules(lotStep: lotStep, minNotional: minNotional) }

    /// `price` on the tick grid: the NEAREST tick (halves up), as tradekit's `Rules.price` does by
    /// default, so a price a bot already rounded is left exactly as it is (the double nearest to
    /// the decimal multiple). Binance rejects a price
    /// off the grid instead; rounding here never moves a price by more than half a tick.
    ///
    /// - Returns: nil when `price` is not finite, outside `priceBounds`, or rounds to 0.
    public func roundPrice(_ price: Double) -> Double? {
        guard price >= Self.priceBounds.lowerBound, price <= Self.priceBounds.upperBound else { return nil }
        guard let p = priceGrid.nearest(price), p > 0 else { return nil }
        return p
    }

    /// `quantity` rounded DOWN to the lot step (never up: the account may not cover more). A value
    /// within 1e-9 of a step below the next multiple counts as that multiple (0.3 / 0.1 is 3 lots).
    ///
    /// - Returns: nil when `quantity` is not finite, ≤ 0 or above `maxQuantity`; 0 when it is
    ///   below one lot.
    public func roundQuantity(_ quantity: Double) -> Double? {
        guard quantity > 0, quantity <= Self.maxQuantity else { return nil }
        return lotGrid.down(quantity)
    }

    /// Why an order of `quantity` at `price` (both already rounded) breaks the minimums, or nil.
    public func minimumBroken(quantity: Double, price: Double, reduceOnly: Bool = false) -> OrderReason? {
        if quantity <= 0 || quantity < minQuantity { return .belowMinQuantity }
        // Binance exempts reduce-only futures orders from the minimum notional (closing dust).
        if !reduceOnly && quantity * price < minNotional * (1 - 1e-12) { return .belowMinNotional }
        return nil
    }

    /// The fee rate of a fill: maker for limit orders, taker for market and stop orders.
    func feeRate(_ type: OrderType) -> Double { type == .limit ? makerFee : takerFee }
}

/// A grid of multiples of a decimal step (a tick or a lot), computed so that results are the
/// doubles nearest to the decimal values: 3 × 0.1 is 0.3, not 0.30000000000000004.
///
/// A step with at most 15 decimals is held as `units / 10^decimals` with integer `units`; a
/// multiple n × step is then `Double(n × units) / 10^decimals`, one correctly rounded division.
struct DecimalGrid: Sendable, Equatable {
    let step: Double
    /// step × 10^decimals, an integer; 0 when the step has no short decimal form.
    let units: Double
    let scale: Double

    /// Steps within this many steps of the next multiple count as that multiple.
    static let tolerance = 1e-9

    init(step: Double) {
        self.step = step
        guard step > 0, let decimals = Self.decimals(of: step), decimals <= 15 else {
            units = 0
            scale = 1
            return
        }
        var s = 1.0
        for _ in 0..<decimals { s *= 10 }
        let u = (step * s).rounded()
        if u > 0, u < 9e15, abs(u / s - step) <= step * 1e-12 {
            units = u
            scale = s
        } else {
            units = 0
            scale = 1
        }
    }

    /// Decimals of the shortest representation of `step` ("0.01" → 2, "2.5e-05" → 6).
    static func decimals(of step: Double) -> Int? {
        let text = "\(step)"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            guard let x = Int(text[text.index(after: e)...]) else { return nil }
            exponent = x
        }
        var fraction = 0
        if let dot = mantissa.firstIndex(of: ".") {
            let digits = mantissa[mantissa.index(after: dot)...].reversed().drop { $0 == "0" }
            fraction = digits.count
        }
        return max(0, fraction - exponent)
    }

    /// The multiple n × step as the nearest double to its decimal value.
    @inline(__always)
    func value(_ n: Double) -> Double { units > 0 ? (n * units) / scale : n * step }

    /// The nearest multiple (halves up, within `tolerance`: 1.005 at 0.01 is 1.01 although the
    /// double 1.005 lies just below the half); nil when not finite or too large for the grid.
    func nearest(_ x: Double) -> Double? {
        guard x.isFinite else { return nil }
        guard step > 0 else { return x }
        let n = (x / step + 0.5 + Self.tolerance).rounded(.down)
        guard n * max(units, 1) < 9e15 else { return nil }
        return value(n)
    }

    /// The multiple at or below `x`, within `tolerance` steps; nil when not finite or too large.
    func down(_ x: Double) -> Double? {
        guard x.isFinite else { return nil }
        guard step > 0 else { return x }
        let n = (x / step + Self.tolerance).rounded(.down)
        guard n * max(units, 1) < 9e15 else { return nil }
        return value(n)
    }

    /// `x` moved onto the grid when it lies within `tolerance` steps of a multiple (balances that
    /// are sums of multiples lose their binary noise); otherwise `x` unchanged.
    func snap(_ x: Double) -> Double {
        guard step > 0, units > 0, x.isFinite else { return x }
        let n = (x / step).rounded()
        guard abs(x / step - n) <= Self.tolerance, abs(n) * units < 9e15 else { return x }
        return value(n)
    }
}
