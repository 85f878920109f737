import ArgumentParser
import Foundation
import Platform

extension SweepRank: ExpressibleByArgument {}

/// What `tradectl backtest --sweep` prints and writes: the ranked table (or JSON) and, for two
/// parameters, the heat map.
struct SweepOutput {
    let command: BacktestCommand

    func emit(_ sweep: SweepResult) throws(PlatformError) {
        var heatmapPath: String?
        if let svg = SweepHeatmap.svg(sweep, title: "\(URL(fileURLWithPath: command.file).lastPathComponent) sweep") {
            let path = command.heatmap ?? Self.defaultHeatmap(strategy: command.file, rankBy: sweep.rankBy)
            try command.write(svg, to: path, field: "heatmap")
            heatmapPath = path
        }
        if command.json {
            print(Output.json(["rank_by": sweep.rankBy.rawValue, "wall_seconds": sweep.wallSeconds, "heatmap": heatmapPath ?? NSNull(),
                               "parameters": sweep.spec.parameters.map(\.name), "runs": sweep.runs.map(Self.object)]))
            return
        }
        print(table(sweep))
        if let heatmapPath {
            print("heat map: \(heatmapPath)")
        } else {
            print("no heat map: it needs exactly two swept parameters, this sweep has \(sweep.spec.parameters.count)")
        }
    }

    /// `<strategy stem>-sweep-<rank>.svg` in the working directory.
    static func defaultHeatmap(strategy: String, rankBy: SweepRank) -> String {
        let stem = URL(fileURLWithPath: strategy).deletingPathExtension().lastPathComponent
        return "\(stem)-sweep-\(rankBy.rawValue).svg"
    }

    static func object(_ run: SweepRun) -> [String: Any] {
        var o: [String: Any] = ["params": (try? JSONSerialization.jsonObject(with: Data(run.paramsJSON.utf8))) ?? run.paramsJSON,
                                "score": run.score.isFinite ? run.score : NSNull()]
        switch run.result {
        case .success(let r): o["stats"] = BacktestOutput.stats(r)
        case .failure(let e): o["error"] = ["code": e.code.rawValue, "message": e.message, "field": e.field.map { $0 as Any } ?? NSNull()] as [String: Any]
        }
        return o
    }

    func table(_ sweep: SweepResult) -> String {
        let names = sweep.spec.parameters.map(\.name)
        let width = names.map { max(6, $0.count + 1) }
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : String(repeating: " ", count: n - s.count) + s + " " }
        var lines = ["rank " + zip(names, width).map { pad($0, $1) }.joined() + "   return %    sharpe    calmar   max dd %  trades  (ranked by \(sweep.rankBy.rawValue))"]
        func f(_ v: Double?) -> String { v.map { $0.isFinite ? String(format: "%9.2f", $0) : "        —" } ?? "        —" }
        for (i, run) in sweep.runs.prefix(max(0, command.top)).enumerated() {
            var line = pad("\(i + 1)", 4) + zip(run.values, width).map { pad("\($0)", $1) }.joined()
            switch run.result {
            case .success(let r):
                line += " " + [f(r.metrics?.returnPct ?? r.stats.returnPct), f(r.metrics?.sharpeRatio), f(r.metrics?.calmarRatio),
                               f(r.metrics?.maxDrawdownPct)].joined(separator: " ") + String(format: " %7d", r.stats.trades)
            case .failure(let e):
                line += " failed: \(e.code.rawValue): \(e.message.split(separator: "\n").first ?? "")"
            }
            lines.append(line)
        }
        if sweep.runs.count > command.top { lines.append("… \(sweep.runs.count - command.top) more (--top, or --json for all)") }
        let failed = sweep.runs.filter { if case .failure = $0.result { return true } else { return false } }.count
        lines.append(String(format: "%d runs in %.1f s", sweep.runs.count, sweep.wallSeconds) + (failed > 0 ? ", \(failed) failed" : ""))
        return lines.joined(separator: "\n")
    }
}
