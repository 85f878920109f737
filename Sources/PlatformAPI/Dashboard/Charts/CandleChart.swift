import Foundation
import Platform
import StrategyRuntime

/// A candlestick chart as inline SVG, with the strategy's entries and exits marked. Colours come
/// from CSS classes (`up`, `down`, `m-buy`, …), so it follows the page's theme.
struct CandleChart {
    struct Marker: Sendable {
        enum Kind: String, Sendable { case buy, sell, exit }
        var time: Int64
        var price: Double
        var kind: Kind
        var label: String
    }

    /// Unique on its page (the ids of the SVG's title and description).
    var id: String
    var bars: CandleWindow
    var markers: [Marker]
    var title: String

    static let width = 800.0, height = 300.0
    static let plot = (left: 8.0, right: 724.0, top: 12.0, bottom: 276.0)

    /// Entries and exits of closed trades and of an open position.
    static func markers(trades: [Trade], open: Position?) -> [Marker] {
        var out: [Marker] = []
        for t in trades {
            out.append(Marker(time: t.entryTime, price: t.entryPrice, kind: t.side == .long ? .buy : .sell,
                              label: "\(t.side == .long ? "Long" : "Short") entry at \(Format.price(t.entryPrice))"))
            out.append(Marker(time: t.exitTime, price: t.exitPrice, kind: .exit,
                              label: "Exit (\(t.reason)) at \(Format.price(t.exitPrice)), P&L \(Format.signedMoney(t.pnl))"))
        }
        if let p = open {
            out.append(Marker(time: p.entryTime, price: p.entryPrice, kind: p.side == .long ? .buy : .sell,
                              label: "Open \(p.side == .long ? "long" : "short") at \(Format.price(p.entryPrice))"))
        }
        return out
    }

    func render() -> String {
        let n = bars.count
        var out = """
            <svg class="chart candles" viewBox="0 0 \(svg(Self.width)) \(svg(Self.height))" role="img" aria-labelledby="\(id)t \(id)d">\
            <title id="\(id)t">\(Format.escape(title))</title>
            """
        guard n > 0, let lo = bars.low.min(), let hi = bars.high.max() else {
            return out + "<desc id=\"\(id)d\">No candles yet.</desc><text class=\"empty\" x=\"400\" y=\"150\">No candles yet</text></svg>"
        }
        let first = bars.times[0], last = bars.times[n - 1]
        out += "<desc id=\"\(id)d\">\(n) \(bars.timeframe) candles of \(Format.escape(bars.symbol)) from \(Format.time(first)) to "
            + "\(Format.time(last)) UTC, low \(Format.price(lo)), high \(Format.price(hi)); \(markers.count) entries and exits marked.</desc>"
        let p = Self.plot
        let slot = (p.right - p.left) / Double(n)
        let x = { (i: Int) in p.left + slot * (Double(i) + 0.5) }
        let pad = (hi - lo) * 0.06
        let y = LinearScale(lo - pad, hi + pad, to: p.bottom, p.top)
        out += grid(y)
        var upWicks = "", downWicks = "", upBodies = "", downBodies = ""
        let body = max(1, slot * 0.7)
        for i in 0..<n {
            let up = bars.close[i] >= bars.open[i]
            let wick = "M\(svg(x(i))) \(svg(y(bars.high[i])))V\(svg(y(bars.low[i])))"
            let top = y(max(bars.open[i], bars.close[i])), bottom = y(min(bars.open[i], bars.close[i]))
            let rect = "M\(svg(x(i) - body / 2)) \(svg(top))h\(svg(body))v\(svg(max(1, bottom - top)))h\(svg(-body))z"
            if up { upWicks += wick; upBodies += rect } else { downWicks += wick; downBodies += rect }
        }
        out += "<path class=\"wick up\" d=\"\(upWicks)\"/><path class=\"wick down\" d=\"\(downWicks)\"/>"
        out += "<path class=\"body up\" d=\"\(upBodies)\"/><path class=\"body down\" d=\"\(downBodies)\"/>"
        var index: [Int64: Int] = [:]
        for i in 0..<n { index[bars.times[i]] = i }
        for m in markers {
            guard let i = index[m.time] else { continue }
            let cx = x(i)
            let shape: String
            switch m.kind {
            case .buy:
                let ty = y(bars.low[i]) + 6
                shape = "M\(svg(cx)) \(svg(ty))l6 10h-12z"
            case .sell:
                let ty = y(bars.high[i]) - 6
                shape = "M\(svg(cx)) \(svg(ty))l6 -10h-12z"
            case .exit:
                let cy = y(m.price)
                shape = "M\(svg(cx - 5)) \(svg(cy - 5))l10 10m0 -10l-10 10"
            }
            out += "<path class=\"m-\(m.kind.rawValue)\" d=\"\(shape)\"><title>\(Format.time(m.time)): \(Format.escape(m.label))</title></path>"
        }
        out += timeLabels(first: first, last: last)
        return out + "</svg>"
    }

    private func grid(_ y: LinearScale) -> String {
        var out = ""
        for v in y.ticks(4) {
            let yy = svg(y(v))
            out += "<path class=\"grid\" d=\"M\(svg(Self.plot.left)) \(yy)H\(svg(Self.plot.right))\"/>"
            out += "<text class=\"axis\" x=\"\(svg(Self.plot.right + 6))\" y=\"\(yy)\" dy=\"4\">\(Format.axis(v))</text>"
        }
        return out
    }

    private func timeLabels(first: Int64, last: Int64) -> String {
        let yy = svg(Self.height - 6)
        return "<text class=\"axis\" x=\"\(svg(Self.plot.left))\" y=\"\(yy)\">\(Format.time(first))</text>"
            + "<text class=\"axis end\" x=\"\(svg(Self.plot.right))\" y=\"\(yy)\">\(Format.time(last)) UTC</text>"
    }
}
