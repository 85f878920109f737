import Foundation

/// An equity curve over its drawdown, as inline SVG: equity in the upper panel (the capital as a
/// dashed line), the fall from the running peak as an area in the lower one.
struct EquityChart {
    var id: String
    var curve: EquityCurve
    var capital: Double
    var title: String

    static let width = 800.0, height = 260.0
    static let plot = (left: 8.0, right: 724.0)
    static let equityBand = (top: 12.0, bottom: 170.0)
    static let drawdownBand = (top: 186.0, bottom: 240.0)

    func render() -> String {
        let points = curve.points
        var out = """
            <svg class="chart equity" viewBox="0 0 \(svg(Self.width)) \(svg(Self.height))" role="img" aria-labelledby="\(id)t \(id)d">\
            <title id="\(id)t">\(Format.escape(title))</title>
            """
        guard points.count > 1, let lo = points.map(\.equity).min(), let hi = points.map(\.equity).max() else {
            return out + "<desc id=\"\(id)d\">No equity yet.</desc><text class=\"empty\" x=\"400\" y=\"130\">No equity yet</text></svg>"
        }
        let last = points[points.count - 1]
        let worst = curve.maxDrawdownPct
        out += "<desc id=\"\(id)d\">Equity from \(Format.money(capital)) to \(Format.money(last.equity)) between \(Format.time(points[0].time)) "
            + "and \(Format.time(last.time)) UTC; maximum drawdown \(Format.pct(worst)).</desc>"
        let x = LinearScale(Double(points[0].time), Double(last.time), to: Self.plot.left, Self.plot.right)
        let span = max(hi, capital) - min(lo, capital)
        let y = LinearScale(min(lo, capital) - span * 0.05, max(hi, capital) + span * 0.05, to: Self.equityBand.bottom, Self.equityBand.top)
        let dd = LinearScale(0, max(worst, 1), to: Self.drawdownBand.top, Self.drawdownBand.bottom)
        for v in y.ticks(3) {
            out += "<path class=\"grid\" d=\"M\(svg(Self.plot.left)) \(svg(y(v)))H\(svg(Self.plot.right))\"/>"
                + "<text class=\"axis\" x=\"\(svg(Self.plot.right + 6))\" y=\"\(svg(y(v)))\" dy=\"4\">\(Format.axis(v))</text>"
        }
        out += "<path class=\"baseline\" d=\"M\(svg(Self.plot.left)) \(svg(y(capital)))H\(svg(Self.plot.right))\"/>"
        let step = max(1, points.count / 400)  // at most ~400 vertices
        var line = "", area = "M\(svg(Self.plot.left)) \(svg(Self.drawdownBand.top))"
        for (i, p) in points.enumerated() where i % step == 0 || i == points.count - 1 {
            line += (line.isEmpty ? "M" : "L") + "\(svg(x(Double(p.time)))) \(svg(y(p.equity)))"
            area += "L\(svg(x(Double(p.time)))) \(svg(dd(p.drawdownPct)))"
        }
        area += "L\(svg(Self.plot.right)) \(svg(Self.drawdownBand.top))z"
        out += "<path class=\"line \(last.equity >= capital ? "gain" : "loss")\" d=\"\(line)\"/>"
        out += "<path class=\"grid\" d=\"M\(svg(Self.plot.left)) \(svg(Self.drawdownBand.top))H\(svg(Self.plot.right))\"/>"
        out += "<path class=\"dd\" d=\"\(area)\"/>"
        out += "<text class=\"axis\" x=\"\(svg(Self.plot.right + 6))\" y=\"\(svg(Self.drawdownBand.top))\" dy=\"10\">0 %</text>"
        out += "<text class=\"axis\" x=\"\(svg(Self.plot.right + 6))\" y=\"\(svg(Self.drawdownBand.bottom))\">−\(Format.pct(max(worst, 1), decimals: 1))</text>"
        out += "<text class=\"axis\" x=\"\(svg(Self.plot.left))\" y=\"\(svg(Self.height - 4))\">\(Format.time(points[0].time))</text>"
        out += "<text class=\"axis end\" x=\"\(svg(Self.plot.right))\" y=\"\(svg(Self.height - 4))\">\(Format.time(last.time)) UTC</text>"
        return out + "</svg>"
    }

    /// A small line of the equity for listings (decorative: the row states the figures).
    static func sparkline(_ curve: EquityCurve, capital: Double) -> String {
        let points = curve.points
        guard points.count > 1, let lo = points.map(\.equity).min(), let hi = points.map(\.equity).max() else { return "" }
        let x = LinearScale(0, Double(points.count - 1), to: 1, 99)
        let y = LinearScale(min(lo, capital), max(hi, capital), to: 23, 1)
        let step = max(1, points.count / 40)
        var d = ""
        for (i, p) in points.enumerated() where i % step == 0 || i == points.count - 1 {
            d += (d.isEmpty ? "M" : "L") + "\(svg(x(Double(i)))) \(svg(y(p.equity)))"
        }
        let tone = points[points.count - 1].equity >= capital ? "gain" : "loss"
        return "<svg class=\"spark\" viewBox=\"0 0 100 24\" aria-hidden=\"true\" focusable=\"false\"><path class=\"line \(tone)\" d=\"\(d)\"/></svg>"
    }
}
