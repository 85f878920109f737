import Foundation
import Testing

/// `tradectl backtest --jobs` and `--sweep` on the command line: what the command says and writes.
@Suite(.serialized) struct BacktestJobsCLITests {
    /// 400 hourly candles of a seeded walk.
    static func csv() throws -> String {
        var x: UInt64 = 5, price = 100.0
        var lines = ["timestamp,open,high,low,close,volume"]
        for i in 0..<400 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            let open = price
            price *= 1 + (Double(x >> 11) / Double(1 << 53) - 0.5) * 0.01
            lines.append("\(1_704_067_200 + i * 3600),\(open),\(max(open, price) * 1.002),\(min(open, price) * 0.998),\(price),1")
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-jobs-\(UUID().uuidString).csv").path
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func backtest(_ strategy: String, _ csv: String, _ extra: [String]) async throws -> CLI.Result {
        try await CLI.run(["backtest", CLI.root + "/python/strategies/" + strategy, "--candles", csv, "--symbol", "BTCUSDT",
                           "--timeframe", "1h", "--lookback", "51"] + extra, limit: .seconds(180))
    }

    @Test func jobsTwoGivesTheSameTradesAndAStatefulStrategySaysItRunsSequentially() async throws {
        let file = try Self.csv()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let one = try await Self.backtest("sma_crossover.py", file, ["--json"])
        let two = try await Self.backtest("sma_crossover.py", file, ["--jobs", "2", "--json"])
        #expect(one.status == 0 && two.status == 0, "\(one.stderr)\(two.stderr)")
        let (a, b) = (try #require(one.json), try #require(two.json))
        #expect((b["stats"] as? [String: Any])?["jobs"] as? Int == 2)
        let trades = try #require(a["trades"] as? [[String: Any]])
        #expect(!trades.isEmpty)
        #expect(NSArray(array: trades).isEqual(to: b["trades"] as? [[String: Any]] ?? []))
        let stateful = try await Self.backtest("momentum.py", file, ["--jobs", "2"])
        #expect(stateful.status == 0, "\(stateful.stderr)")
        #expect(stateful.stderr.contains("note: --jobs needs a main(data) without ctx") && stateful.stderr.contains("running sequentially"),
                "\(stateful.stderr)")
        #expect(stateful.stdout.contains("jobs              1: --jobs needs"), "\(stateful.stdout)")
    }

    @Test func aSweepPrintsARankedTableAndWritesTheHeatMap() async throws {
        let file = try Self.csv()
        let svg = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-heat-\(UUID().uuidString).svg").path
        defer { for f in [file, svg] { try? FileManager.default.removeItem(atPath: f) } }
        let r = try await Self.backtest("sma_crossover_params.py", file, ["--sweep", "fast=5:10:5,slow=20:40:20", "--jobs", "2",
                                                                          "--rank-by", "calmar", "--heatmap", svg])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("(ranked by calmar)") == true, "\(r.stdout)")
        #expect(lines.filter { $0.range(of: #"^\s+[1-4] "#, options: .regularExpression) != nil }.count == 4, "\(r.stdout)")
        #expect(lines.contains("heat map: \(svg)"))
        let image = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(image.hasPrefix("<svg") && image.contains("fast × slow by calmar"))
        #expect(image.components(separatedBy: "<title>fast=").count - 1 == 4)
        let bad = try await Self.backtest("sma_crossover_params.py", file, ["--sweep", "fast=5:10:5,slow=20:x", "--json"])
        #expect(bad.status != 0)
        let error = try #require(bad.json?["error"] as? [String: Any], "\(bad.stdout)")
        #expect(error["code"] as? String == "invalid-input" && error["field"] as? String == "sweep.slow.stop")
        #expect((error["message"] as? String)?.contains("'slow=20:x'") == true, "\(error)")
    }
}
