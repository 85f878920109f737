import StrategyRuntime

/// One candle as the broker sees it.
public struct Bar: Sendable, Equatable {
    public var time: Int64
    public var open, high, low, close: Double

    public init(time: Int64, open: Double, high: Double, low: Double, close: Double) {
        self.time = time
        self.open = open
        self.high = high
        self.low = low
        self.close = close
    }
}

public enum PositionSide: String, Sendable, Codable {
    case long, short

    var direction: Double { self == .long ? 1 : -1 }
}

/// An open paper position of one subscription on one symbol.
public struct Position: Sendable, Equatable, Codable {
    public var side: PositionSide
    public var qty: Double
    public var entryPrice: Double
    public var entryTime: Int64
    public var entryFee: Double
    public var stopLoss: Double?
    public var takeProfit: Double?

    public init(side: PositionSide, qty: Double, entryPrice: Double, entryTime: Int64, entryFee: Double,
                stopLoss: Double? = nil, takeProfit: Double? = nil) {
        self.side = side
        self.qty = qty
        self.entryPrice = entryPrice
        self.entryTime = entryTime
        self.entryFee = entryFee
        self.stopLoss = stopLoss
        self.takeProfit = takeProfit
    }

    /// Profit or loss if closed at `price`, before the exit fee.
    public func markToMarket(_ price: Double) -> Double { (price - entryPrice) * qty * side.direction - entryFee }

    /// Every number is finite (a NaN or an infinity is never stored).
    var isFinite: Bool {
        qty.isFinite && entryPrice.isFinite && entryFee.isFinite && (stopLoss ?? 0).isFinite && (takeProfit ?? 0).isFinite
    }
}

/// A closed position.
public struct Trade: Sendable, Equatable, Codable {
    public var side: PositionSide
    public var entryTime: Int64
    public var exitTime: Int64
    public var entryPrice: Double
    public var exitPrice: Double
    public var qty: Double
    /// Net of both fees.
    public var pnl: Double
    /// pnl over the entry notional, in percent.
    public var returnPct: Double
    /// What closed it: signal, stop-loss, take-profit.
    public var reason: String
    /// The fee paid on entry (part of `pnl`).
    public var entryFee: Double

    public init(side: PositionSide, entryTime: Int64, exitTime: Int64, entryPrice: Double, exitPrice: Double, qty: Double,
                pnl: Double, returnPct: Double, reason: String, entryFee: Double = 0) {
        self.side = side
        self.entryTime = entryTime
        self.exitTime = exitTime
        self.entryPrice = entryPrice
        self.exitPrice = exitPrice
        self.qty = qty
        self.pnl = pnl
        self.returnPct = returnPct
        self.reason = reason
        self.entryFee = entryFee
    }

    /// Every number is finite (a NaN or an infinity is never stored).
    var isFinite: Bool {
        entryPrice.isFinite && exitPrice.isFinite && qty.isFinite && pnl.isFinite && returnPct.isFinite && entryFee.isFinite
    }
}

/// An order the broker filled (or skipped), as it is recorded.
public struct PaperOrder: Sendable, Equatable {
    public enum Side: String, Sendable { case buy, sell }
    public var side: Side
    public var qty: Double
    public var price: Double
    public var fee: Double
    /// open, close, stop-loss, take-profit.
    public var purpose: String
    /// nil when filled; the reason when skipped.
    public var skipped: String?

    /// Every number is finite (a NaN or an infinity is never stored).
    var isFinite: Bool { qty.isFinite && price.isFinite && fee.isFinite }
}

/// The paper broker of DESIGN.md: market fills at the candle's close ± slippage, fees per side,
/// stops and take-profits checked on later candles (the stop first when both are hit).
public struct PaperBroker: Sendable {
    public var feeBps: Double
    public var slippageBps: Double

    public init(feeBps: Double = 0, slippageBps: Double = 0) {
        self.feeBps = feeBps
        self.slippageBps = slippageBps
    }

    /// The costs a broker may be given: each finite, in 0 … 1,000 bps (10 %); more slippage than
    /// 10,000 bps would make a sell price negative.
    ///
    /// - Throws: `PlatformError.invalidInput` naming `feeBps` or `slippageBps`.
    public static func validate(feeBps: Double, slippageBps: Double) throws(PlatformError) {
        for (field, v) in [("feeBps", feeBps), ("slippageBps", slippageBps)] where !(v >= 0 && v <= 1_000) {
            throw PlatformError(.invalidInput, "\(field) must be from 0 to 1000 basis points, got \(v)", field: field)
        }
    }

    /// What a signal does to a position.
    public struct Step: Sendable {
        public var orders: [PaperOrder] = []
        public var closed: Trade?
        public var position: Position?
    }

    /// Checks an open position's stop and take-profit against a candle after its entry.
    public func exits(_ p: Position, on bar: Bar) -> Trade? {
        guard bar.time > p.entryTime else { return nil }
        switch p.side {
        case .long:
            if let sl = p.stopLoss, bar.low <= sl { return close(p, at: slip(min(sl, bar.open), selling: true), time: bar.time, reason: "stop-loss") }
            if let tp = p.takeProfit, bar.high >= tp { return close(p, at: max(tp, bar.open), time: bar.time, reason: "take-profit") }
        case .short:
            if let sl = p.stopLoss, bar.high >= sl { return close(p, at: slip(max(sl, bar.open), selling: false), time: bar.time, reason: "stop-loss") }
            if let tp = p.takeProfit, bar.low <= tp { return close(p, at: min(tp, bar.open), time: bar.time, reason: "take-profit") }
        }
        return nil
    }

    /// Applies a signal at the close of `bar`. `size` is called only when a position opens.
    public func execute(_ signal: Signal, position: Position?, bar: Bar, allowShort: Bool,
                        size: (Double) -> SizedQuantity) -> Step {
        var step = Step(position: position)
        let wanted: PositionSide?
        switch signal.action {
        case .hold: return step
        case .close: wanted = nil
        case .buy: wanted = .long
        case .sell: wanted = allowShort ? .short : nil
        }
        if let p = position, p.side != wanted {
            let price = slip(bar.close, selling: p.side == .long)
            let trade = close(p, at: price, time: bar.time, reason: "signal")
            step.closed = trade
            step.orders.append(PaperOrder(side: p.side == .long ? .sell : .buy, qty: p.qty, price: price,
                                          fee: fee(price * p.qty), purpose: "close"))
            step.position = nil
        }
        guard let side = wanted, step.position == nil else { return step }
        let price = slip(bar.close, selling: side == .short)
        switch size(price) {
        case .skipped(let why):
            step.orders.append(PaperOrder(side: side == .long ? .buy : .sell, qty: 0, price: price, fee: 0, purpose: "open", skipped: why))
        case .quantity(let qty):
            let f = fee(price * qty)
            step.orders.append(PaperOrder(side: side == .long ? .buy : .sell, qty: qty, price: price, fee: f, purpose: "open"))
            step.position = Position(side: side, qty: qty, entryPrice: price, entryTime: bar.time, entryFee: f,
                                     stopLoss: signal.stopLoss, takeProfit: signal.takeProfit)
        }
        return step
    }

    func fee(_ notional: Double) -> Double { notional * feeBps / 10_000 }

    func slip(_ price: Double, selling: Bool) -> Double {
        price * (selling ? 1 - slippageBps / 10_000 : 1 + slippageBps / 10_000)
    }

    func close(_ p: Position, at price: Double, time: Int64, reason: String) -> Trade {
        let pnl = (price - p.entryPrice) * p.qty * p.side.direction - p.entryFee - fee(price * p.qty)
        return Trade(side: p.side, entryTime: p.entryTime, exitTime: time, entryPrice: p.entryPrice, exitPrice: price,
                     qty: p.qty, pnl: pnl, returnPct: pnl / (p.entryPrice * p.qty) * 100, reason: reason, entryFee: p.entryFee)
    }
}
