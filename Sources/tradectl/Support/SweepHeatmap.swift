import Foundation
import Platform

/// The heat map of a two-parameter sweep, as a standalone SVG: the first parameter across, the
/// second down, each cell coloured by the rank metric (red low, green high; grey: no score) and
/// labelled with its value; the best cell is outlined.
enum SweepHeatmap {
    static func svg(_ sweep: SweepResult, title: String) -> String? {
        guard sweep.spec.parameters.count == 2 else { return nil }
        let (px, py) = (sweep.spec.parameters[0], sweep.spec.parameters[1])
        var score: [String: Double] = [:]
        for run in sweep.runs { score["\(run.values[0])|\(run.values[1])"] = run.score }
        let finite = sweep.runs.map(\.score).filter(\.isFinite)
        let lo = finite.min() ?? 0, hi = finite.max() ?? 1
        let best = sweep.runs.first.flatMap { $0.score.isFinite ? "\($0.values[0])|\($0.values[1])" : nil }
        let cell = 46.0, left = 90.0, top = 64.0
        let width = left + cell * Double(px.values.count) + 120, height = top + cell * Double(py.values.count) + 56
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" \
        font-family="system-ui, sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="#fff"/>
        <text x="\(left)" y="22" font-size="14" font-weight="600">\(BacktestReport.escape(title))</text>
        <text x="\(left)" y="40" fill="#667085">\(sweep.spec.parameters.map(\.name).joined(separator: " × ")) by \(sweep.rankBy.rawValue)\
        \(sweep.rankBy == .return ? " (%)" : "") · \(sweep.runs.count) runs</text>

        """
        for (i, x) in px.values.enumerated() {
            out += "<text x=\"\(left + cell * (Double(i) + 0.5))\" y=\"\(top - 6)\" text-anchor=\"middle\">\(x)</text>\n"
        }
        out += "<text x=\"\(left + cell * Double(px.values.count) / 2)\" y=\"\(top + cell * Double(py.values.count) + 22)\" "
            + "text-anchor=\"middle\" font-weight=\"600\">\(BacktestReport.escape(px.name))</text>\n"
        out += "<text x=\"14\" y=\"\(top + cell * Double(py.values.count) / 2)\" font-weight=\"600\" "
            + "transform=\"rotate(-90 14 \(top + cell * Double(py.values.count) / 2))\" text-anchor=\"middle\">\(BacktestReport.escape(py.name))</text>\n"
        for (j, y) in py.values.enumerated() {
            out += "<text x=\"\(left - 8)\" y=\"\(top + cell * (Double(j) + 0.5) + 4)\" text-anchor=\"end\">\(y)</text>\n"
            for (i, x) in px.values.enumerated() {
                let key = "\(x)|\(y)", v = score[key] ?? .nan
                let (cx, cy) = (left + cell * Double(i), top + cell * Double(j))
                out += "<rect x=\"\(cx)\" y=\"\(cy)\" width=\"\(cell - 1)\" height=\"\(cell - 1)\" fill=\"\(fill(v, lo, hi))\""
                    + (key == best ? " stroke=\"#111\" stroke-width=\"2.5\"" : "") + "><title>\(px.name)=\(x) \(py.name)=\(y): \(label(v))</title></rect>\n"
                out += "<text x=\"\(cx + cell / 2)\" y=\"\(cy + cell / 2 + 4)\" text-anchor=\"middle\" font-size=\"10\">\(label(v))</text>\n"
            }
        }
        let legendX = left + cell * Double(px.values.count) + 24
        for k in 0..<10 {
            let v = hi - (hi - lo) * Double(k) / 9
            out += "<rect x=\"\(legendX)\" y=\"\(top + Double(k) * 16)\" width=\"16\" height=\"16\" fill=\"\(fill(v, lo, hi))\"/>"
                + "<text x=\"\(legendX + 22)\" y=\"\(top + Double(k) * 16 + 12)\">\(label(v))</text>\n"
        }
        return out + "</svg>\n"
    }

    private static func label(_ v: Double) -> String { v.isFinite ? String(format: abs(v) >= 100 ? "%.0f" : "%.2f", v) : "—" }

    /// Red (low) through pale yellow to green (high); grey without a score.
    private static func fill(_ v: Double, _ lo: Double, _ hi: Double) -> String {
        guard v.isFinite else { return "#d0d5dd" }
        let t = hi > lo ? (v - lo) / (hi - lo) : 0.5
        let (a, b, c) = ((215.0, 48.0, 39.0), (255.0, 255.0, 191.0), (26.0, 152.0, 80.0))
        func mix(_ x: (Double, Double, Double), _ y: (Double, Double, Double), _ f: Double) -> (Double, Double, Double) {
            (x.0 + (y.0 - x.0) * f, x.1 + (y.1 - x.1) * f, x.2 + (y.2 - x.2) * f)
        }
        let rgb = t < 0.5 ? mix(a, b, t * 2) : mix(b, c, (t - 0.5) * 2)
        return String(format: "#%02x%02x%02x", Int(rgb.0), Int(rgb.1), Int(rgb.2))
    }
}
