import Foundation
import Platform
import StrategyRuntime
import Testing

extension PlatformTests {
    /// `--sweep`: the spec's grammar and its typed errors, the ranking, and that each run is the
    /// single backtest with the same params.
    @Suite struct ParameterSweepTests {
        @Test func parsesRangesSingleValuesAndDecimals() throws {
            let spec = try SweepSpec(parsing: "fast=5:30:5, slow=20:100:10,k=1.5:2.5:0.5,fixed=7,two=1:2")
            #expect(spec.parameters.map(\.name) == ["fast", "slow", "k", "fixed", "two"])
            #expect(spec.parameters[0].values == [5, 10, 15, 20, 25, 30].map(SweepValue.int))
            #expect(spec.parameters[1].values.count == 9 && spec.parameters[1].values.last == .int(100))
            #expect(spec.parameters[2].values == [.double(1.5), .double(2.0), .double(2.5)])
            #expect(spec.parameters[3].values == [.int(7)] && spec.parameters[4].values == [.int(1), .int(2)])
            #expect(spec.combinations.count == 6 * 9 * 3 * 1 * 2)
            #expect(spec.combinations.first == [.int(5), .int(20), .double(1.5), .int(7), .int(1)])
            // A step that does not land on the stop stops before it.
            #expect(try SweepSpec(parsing: "a=1:10:4").parameters[0].values == [1, 5, 9].map(SweepValue.int))
            let params = try spec.paramsJSON(spec.combinations[0], base: #"{"fast": 99, "other": "x"}"#)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(params.utf8)) as? [String: Any])
            #expect(object["fast"] as? Int == 5 && object["k"] as? Double == 1.5 && object["other"] as? String == "x")
        }

        @Test(arguments: [
            ("", "sweep", "empty"),
            ("fast", "sweep.fast", "name=start:stop:step"),
            ("fast=5:30:5,", "sweep", "part 2"),
            ("fast=a:30:5", "sweep.fast.start", "'a'"),
            ("fast=5:x:5", "sweep.fast.stop", "'x'"),
            ("fast=5:30:nan", "sweep.fast.step", "'nan'"),
            ("fast=5:30:0", "sweep.fast.step", "> 0"),
            ("fast=5:30:-5", "sweep.fast.step", "> 0"),
            ("fast=30:5:5", "sweep.fast.stop", "below the start"),
            ("fast=1:2:3:4", "sweep.fast", "4 fields"),
            ("1fast=1:2", "sweep.1fast", "not a parameter name"),
            ("fa st=1:2", "sweep.fa st", "not a parameter name"),
            ("fast=1:2,fast=3", "sweep.fast", "twice"),
            ("fast=0:2000", "sweep.fast.step", "2001 values"),
            ("a=1:200,b=1:100", "sweep", "20000 combinations"),
        ])
        func badSpecsAreTypedErrorsNamingThePart(spec: String, field: String, says: String) {
            #expect { try SweepSpec(parsing: spec) } throws: { error in
                guard let e = error as? PlatformError else { return false }
                return e.code == .invalidInput && e.field == field && e.message.contains(says)
            }
        }

        @Test func ranksHighestFirstAndRunsWithoutAScoreLast() {
            func run(_ v: Int, _ score: Double) -> SweepRun {
                SweepRun(values: [.int(v)], paramsJSON: "{}", result: .failure(PlatformError(.invalidInput, "-")), score: score)
            }
            let ranked = ParameterSweep.rank([run(1, 0.5), run(2, .nan), run(3, 2), run(4, -1), run(5, 0.5), run(6, .nan)])
            #expect(ranked.map { $0.values[0] } == [3, 1, 5, 4, 2, 6].map(SweepValue.int))
        }

        /// Four combinations with two at a time: each run equals `Backtester.run` with the same
        /// params, the parameters reach the strategy (the runs differ), and the order is by the metric.
        @Test(arguments: [SweepRank.return, .sharpe])
        func eachRunIsTheSingleBacktestWithItsParams(rankBy: SweepRank) async throws {
            var w = PlatformFixture.candles(VectorisedBacktestTests.walk(500, step: 0.004))
            w.timeframe = "1h"  // 21 days: daily returns enough for a Sharpe ratio
            w.times = w.times.indices.map { w.times[0] + Int64($0) * 3_600_000 }
            let source = try StrategySource(file: "\(VectorisedBacktestTests.strategies)/sma_crossover_params.py", id: "params")
            let host = try await PlatformFixture.host()
            let settings = BacktestSettings(terms: try VectorisedBacktestTests.terms(), lookback: 30)
            let spec = try SweepSpec(parsing: "fast=5:10:5,slow=20:30:10")
            let sweep = try await ParameterSweep.run(source: source, candles: w, settings: settings, spec: spec, rankBy: rankBy, jobs: 2, host: host)
            #expect(sweep.runs.count == 4)
            let scores = sweep.runs.map(\.score)
            #expect(scores.allSatisfy(\.isFinite) && scores == scores.sorted(by: >), "\(scores)")
            var tradeSets: [[Trade]] = []
            for run in sweep.runs {
                let swept = try run.result.get()
                var single = settings
                single.params = run.paramsJSON
                let alone = try await Backtester.run(source: source, candles: w, settings: single, host: host)
                #expect(swept.trades == alone.trades && swept.open == alone.open && swept.equity == alone.equity, "\(run.paramsJSON)")
                #expect(run.score == rankBy.score(alone))
                tradeSets.append(swept.trades)
            }
            #expect(Set(tradeSets.map(\.count)).count > 1 || tradeSets[0] != tradeSets[1], "the params did not reach the strategy")
        }

        @Test func aMainWithoutCtxHasNothingToSweep() async throws {
            let w = PlatformFixture.candles(BacktestParityTests.closes)
            let settings = BacktestSettings(terms: try VectorisedBacktestTests.terms(), lookback: 6)
            await #expect {  // the seed's main(data)
                try await ParameterSweep.run(source: try StrategySource(file: "\(VectorisedBacktestTests.strategies)/sma_crossover.py", id: "seed"), candles: w, settings: settings,
                                             spec: try SweepSpec(parsing: "fast=1:2"), rankBy: .return, jobs: 1,
                                             host: try await PlatformFixture.host())
            } throws: { error in
                (error as? PlatformError)?.field == "sweep" && "\(error)".contains("ctx.params")
            }
        }
    }
}
