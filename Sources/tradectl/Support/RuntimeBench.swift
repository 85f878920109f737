import Foundation
import StrategyRuntime

/// The cases of `tradectl bench runtime`, all on one synthetic series.
struct RuntimeBench {
    let root: String
    let calls: Int
    let subprocessCalls: Int
    let seed: UInt64
    let progress: (String) -> Void

    private var strategies: String { "\(root)/python/strategies" }
    private var baseline: String { "\(root)/python/baseline" }

    func runAll() async throws -> [BenchCase] {
        let host = try await StrategyHost()
        let series = SyntheticCandles(seed: seed).generate(2000 + calls)
        var cases: [BenchCase] = []
        for level in [IsolationLevel.shared, .subinterpreter, .process] {
            progress("noop-\(level.rawValue)")
            cases.append(try await noop(host, level, series))
        }
        for n in [200, 500, 2000] {
            progress("sma\(n)-embedded")
            cases.append(try await smaEmbedded(host, series, lookback: n))
        }
        progress("sma500-process")
        cases.append(try await smaEmbedded(host, series, lookback: 500, isolation: .process))
        progress("sma500-subprocess")
        cases.append(try subprocess(series.window(endingAt: 499, lookback: 500)))
        progress("sma500-floor")
        cases.append(try floor(series.window(endingAt: 499, lookback: 500)))
        progress("frame500-build")
        cases.append(try await frameBuild(host, series))
        return cases
    }

    /// The runtime's own overhead: a strategy that returns None, on one prebuilt frame.
    private func noop(_ host: StrategyHost, _ level: IsolationLevel, _ series: CandleWindow) async throws -> BenchCase {
        let strategy = try await host.load(try StrategySource(file: "\(strategies)/noop.py", id: "noop-\(level.rawValue)"), isolation: level)
        let frame = try host.frame(series.window(endingAt: 499, lookback: 500))
        for _ in 0..<50 { _ = try await host.run(strategy, on: frame) }
        var samples: [UInt64] = []
        samples.reserveCapacity(calls)
        let clock = ContinuousClock()
        for _ in 0..<calls {
            let start = clock.now
            _ = try await host.run(strategy, on: frame)
            samples.append(Self.nanos(clock.now - start))
        }
        return BenchCase(name: "noop-\(level.rawValue)", samples: samples)
    }

    /// The seed's strategy, candle after candle: each call builds that candle's frame and runs on it.
    private func smaEmbedded(_ host: StrategyHost, _ series: CandleWindow, lookback: Int,
                             isolation: IsolationLevel = .shared) async throws -> BenchCase {
        let strategy = try await host.load(try StrategySource(file: "\(strategies)/sma_crossover.py", id: "sma\(lookback)-\(isolation.rawValue)"),
                                           isolation: isolation)
        for end in (lookback - 1)..<(lookback + 19) {
            _ = try await host.run(strategy, on: try host.frame(series.window(endingAt: end, lookback: lookback)))
        }
        var samples: [UInt64] = []
        var inner: [UInt64] = []
        let clock = ContinuousClock()
        for i in 0..<calls {
            let window = series.window(endingAt: lookback - 1 + i, lookback: lookback)
            let start = clock.now
            let frame = try host.frame(window)
            let o = try await host.run(strategy, on: frame)
            samples.append(Self.nanos(clock.now - start))
            inner.append(o.strategyNanos)
        }
        return BenchCase(name: isolation == .process ? "sma\(lookback)-process" : "sma\(lookback)-embedded", samples: samples, inner: inner)
    }

    /// The seed's design: a new python3.11 process per call, timed from spawn to exit.
    private func subprocess(_ window: CandleWindow) throws -> BenchCase {
        let input = BaselineProcess.payload(window)
        let clock = ContinuousClock()
        var samples: [UInt64] = []
        for _ in 0..<subprocessCalls {
            let start = clock.now
            let out = try BaselineProcess.run(script: "\(baseline)/runner.py", arguments: ["\(strategies)/sma_crossover.py"], input: input)
            samples.append(Self.nanos(clock.now - start))
            guard (try? JSONSerialization.jsonObject(with: out, options: [.fragmentsAllowed])) != nil else {
                throw BaselineError(script: "runner.py", status: 0, output: String(decoding: out, as: UTF8.self))
            }
        }
        return BenchCase(name: "sma500-subprocess", samples: samples)
    }

    /// The strategy's own cost, timed inside a warm python3.11 loop.
    private func floor(_ window: CandleWindow) throws -> BenchCase {
        let out = try BaselineProcess.run(script: "\(baseline)/floor.py",
                                          arguments: ["\(strategies)/sma_crossover.py", "\(calls)"],
                                          input: BaselineProcess.payload(window))
        guard let object = try? JSONSerialization.jsonObject(with: out) as? [String: Any],
              let samples = object["samples_ns"] as? [NSNumber] else {
            throw BaselineError(script: "floor.py", status: 0, output: String(decoding: out, as: UTF8.self))
        }
        return BenchCase(name: "sma500-floor", samples: samples.map(\.uint64Value))
    }

    /// Building a 500-candle frame alone: validation, buffers and the DataFrame, timed from Swift.
    private func frameBuild(_ host: StrategyHost, _ series: CandleWindow) async throws -> BenchCase {
        var samples: [UInt64] = []
        let clock = ContinuousClock()
        for i in 0..<(calls + 20) {
            let window = series.window(endingAt: 499 + i, lookback: 500)
            let start = clock.now
            _ = try await host.prebuild(try host.frame(window))
            if i >= 20 { samples.append(Self.nanos(clock.now - start)) }
        }
        return BenchCase(name: "frame500-build", samples: samples)
    }

    /// What the cases show against the targets.
    func summary(_ cases: [BenchCase]) -> String {
        func p50(_ name: String) -> Double { cases.first { $0.name == name }?.p50 ?? .nan }
        let embedded = p50("sma500-embedded"), floor = p50("sma500-floor"), spawn = p50("sma500-subprocess")
        let inner = cases.first { $0.name == "sma500-embedded" }.map { Output.percentileMicros($0.inner, 50) } ?? .nan
        return String(format: """

            sma500-embedded / sma500-floor      = %.2f×  (target ≤ 1.25×)
            sma500-subprocess / sma500-embedded = %.0f×  (target ≥ 300×)
            sma500 strategy time inside the call (p50) = %.1f µs; runtime overhead around it, frame build included = %.1f µs
            """, embedded / floor, spawn / embedded, inner, embedded - inner)
    }

    static func nanos(_ d: Duration) -> UInt64 { UInt64(max(0, d / .nanoseconds(1))) }
}
