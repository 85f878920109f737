import StrategyRuntime

// The values the paper exchange's fills are reported in: the candle it matches, and the round trips
// (`Trade`) and open positions (`Position`) that statistics and the positions table read.

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

