import ArgumentParser
import Foundation
import Platform
import StrategyRuntime

extension MarketKind: ExpressibleByArgument {}

/// The order level in `tradectl backtest`'s output: every order with its final state and
/// reason, every fill (liquidations among them), and their counts in the table.
extension BacktestOutput {
    static func orders(_ r: BacktestResult) -> [[String: Any]] {
        r.orders.map { o in
            ["id": o.orderNo ?? o.id, "tag": o.tag ?? NSNull(), "time": CandleCSV.isoString(o.candleTime), "side": o.side, "type": o.type,
             "price": o.limitPrice ?? NSNull(), "stop_price": o.stopPrice ?? NSNull(), "qty": o.qty, "filled": o.filled,
             "avg_price": o.filled > 0 ? o.price as Any : NSNull(), "fee": o.fee, "reduce_only": o.reduceOnly, "purpose": o.purpose,
             "state": o.status, "reason": o.reason ?? NSNull(), "updated_time": o.updatedAt.map(CandleCSV.isoString) ?? NSNull()]
        }
    }

    static func fills(_ r: BacktestResult) -> [[String: Any]] {
        r.fills.map { f in
            ["order": f.orderNo, "tag": f.tag, "time": CandleCSV.isoString(f.time), "side": f.side, "price": f.price, "qty": f.qty,
             "fee": f.fee, "maker": f.maker, "liquidation": f.liquidation, "realised_pnl": f.realisedPnl, "position_after": f.positionAfter]
        }
    }

    /// "12 (3 filled, 8 cancelled, 1 rejected)".
    static func orderSummary(_ r: BacktestResult) -> String {
        var byState: [String: Int] = [:]
        for o in r.orders { byState[o.status, default: 0] += 1 }
        let parts = byState.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
        return parts.isEmpty ? "0" : "\(r.orders.count) (\(parts.joined(separator: ", ")))"
    }

    /// "7 (1 liquidation)".
    static func fillSummary(_ r: BacktestResult) -> String {
        let liquidations = r.fills.filter(\.liquidation).count
        return liquidations == 0 ? "\(r.fills.count)" : "\(r.fills.count) (\(liquidations) liquidation\(liquidations == 1 ? "" : "s"))"
    }
}
