import Benchmark
import StrategyRuntime

/// What the benchmarks share, made once in `setup` before any iteration runs.
///
/// `@unchecked Sendable`: written only by the setup hook, which the benchmark runner finishes
/// before it starts the measured closures, and read-only afterwards.
final class RuntimeFixture: @unchecked Sendable {
    var host: StrategyHost?
    var noopShared: Strategy?
    var noopSub: Strategy?
    var sma: Strategy?
    var frame: CandleFrame?
    var series = SyntheticCandles(seed: 42).generate(4_000)

    func setUp() async throws {
        guard host == nil else { return }
        let host = try await StrategyHost()
        let noop = "def main(data, ctx=None):\n    return None\n"
        noopShared = try await host.load(StrategySource(id: "noop-shared", code: noop), isolation: .shared)
        noopSub = try await host.load(StrategySource(id: "noop-sub", code: noop), isolation: .subinterpreter)
        guard let root = HostConfiguration.projectRoot else { throw StrategyError(.load, "cannot find python/strategies") }
        sma = try await host.load(try StrategySource(file: root + "/python/strategies/sma_crossover.py"))
        frame = try host.frame(series.window(endingAt: 499, lookback: 500))
        self.host = host
    }
}

let fixture = RuntimeFixture()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        warmupIterations: 50,
        maxDuration: .seconds(5),
        maxIterations: 20_000
    )

    // The runtime's own overhead per call: a strategy that returns None, on a prebuilt frame.
    Benchmark("noop-shared", closure: { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await fixture.host!.run(fixture.noopShared!, on: fixture.frame!))
        }
    }, setup: { try await fixture.setUp() })

    Benchmark("noop-subinterpreter", closure: { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await fixture.host!.run(fixture.noopSub!, on: fixture.frame!))
        }
    }, setup: { try await fixture.setUp() })

    // Building one 500-candle frame: validation, buffers and the DataFrame.
    Benchmark("frame500-build", closure: { benchmark in
        var end = 499
        for _ in benchmark.scaledIterations {
            end = end >= 3_999 ? 499 : end + 1
            blackHole(try await fixture.host!.prebuild(try fixture.host!.frame(fixture.series.window(endingAt: end, lookback: 500))))
        }
    }, setup: { try await fixture.setUp() })

    // The seed's strategy on a new candle each iteration, frame build included.
    Benchmark("sma500-embedded", configuration: .init(maxIterations: 3_000), closure: { benchmark in
        var end = 499
        for _ in benchmark.scaledIterations {
            end = end >= 3_999 ? 499 : end + 1
            let frame = try fixture.host!.frame(fixture.series.window(endingAt: end, lookback: 500))
            blackHole(try await fixture.host!.run(fixture.sma!, on: frame))
        }
    }, setup: { try await fixture.setUp() })
}
