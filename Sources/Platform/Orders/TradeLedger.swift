import StrategyRuntime

/// Folds one account's fills, in order, into closed trades (`Trade`, what `TradeStats` reads) and
/// the position still open, so statistics and the backtest report work the same for signal and
/// order-level strategies.
///
/// A position opens when the account leaves flat; fills on its side add to it (average entry,
/// entry fees summed); each fill that reduces it closes a trade for the part it reduces, with
/// that part's share of the entry fee; a fill that flips it closes the whole position and opens
/// the rest on the other side. A trade's `pnl` is the fill's realised profit less its exit fee
/// and its share of the entry fee; `reason` comes from the order: `signal` (a signal's close),
/// `stop-loss`, `take-profit`, `liquidation`, or `order` (an order intent).
public struct TradeLedger: Sendable, Equatable {
    /// The position as of the last fill (nil when flat).
    public private(set) var open: Position?

    /// - Parameter open: the position carried over from earlier fills, if any.
    public init(open: Position? = nil) { self.open = open }

    /// Applies `fill`, appending the trades it closes to `trades`.
    public mutating func record(_ fill: Fill, into trades: inout [Trade]) {
        let before = open.map { $0.qty * $0.side.direction } ?? 0
        let after = fill.positionAfter
        let quantity = fill.quantity
        guard quantity > 0 else { return }
        var closing = 0.0
        if before != 0, (before > 0) != (fill.side == .buy) { closing = min(quantity, abs(before)) }
        let opening = max(0, quantity - closing)
        if closing > 0, var p = open {
            let share = closing / abs(before)
            let entryFee = p.entryFee * share
            let exitFee = fill.fee * closing / quantity
            let pnl = fill.realisedPnl - exitFee - entryFee
            let base = p.entryPrice * closing
            trades.append(Trade(side: p.side, entryTime: p.entryTime, exitTime: fill.time, entryPrice: p.entryPrice,
                                exitPrice: fill.price, qty: closing, pnl: pnl, returnPct: base > 0 ? pnl / base * 100 : 0,
                                reason: Self.reason(fill), entryFee: entryFee))
            p.qty -= closing
            p.entryFee -= entryFee
            open = p.qty > closing * 1e-12 && after != 0 ? p : nil
        }
        if opening > 0 && !fill.liquidation {
            let fee = fill.fee * opening / quantity
            if var p = open {
                p.entryPrice = (p.entryPrice * p.qty + fill.price * opening) / (p.qty + opening)
                p.qty += opening
                p.entryFee += fee
                open = p
            } else {
                open = Position(side: fill.side == .buy ? .long : .short, qty: opening, entryPrice: fill.price,
                                entryTime: fill.time, entryFee: fee)
            }
        }
        if after == 0 { open = nil }
        if var p = open, abs(abs(after) - p.qty) > 1e-9 * max(1, p.qty) { // keep the quantity the account holds
            p.qty = abs(after)
            open = p
        }
    }

    static func reason(_ fill: Fill) -> String {
        if fill.liquidation { return "liquidation" }
        switch fill.purpose {
        case .close, .open: return "signal"
        case .stopLoss: return "stop-loss"
        case .takeProfit: return "take-profit"
        case .order: return "order"
        }
    }
}
