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

    func runAll() async throws -> (cases: [BenchCase], paired: [PairedCase]) {
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
        progress("noop-process vs noop-shared, alternated")
        let noopPair = try await alternated(host, file: "noop.py", name: "noop", series, lookback: 500, sameCandle: true)
        progress("sma500-process vs sma500-embedded, alternated")
        let smaPair = try await alternated(host, file: "sma_crossover.py", name: "sma500", series, lookback: 500, sameCandle: false)
        return (cases, [noopPair, smaPair])
    }

    /// The `process` level against `shared`, side by side: blocks of `block` calls of each level
    /// alternate, in an order that flips every pair of blocks, on the same candles. Each level keeps
    /// its steady state within a block, and slow machine noise hits both. Each call builds its own
    /// frame from the window, timed, unless `sameCandle` (one prebuilt frame, as the noop cases).
    private func alternated(_ host: StrategyHost, file: String, name: String, _ series: CandleWindow, lookback: Int,
                            sameCandle: Bool, block: Int = 50) async throws -> PairedCase {
        let source = "\(strategies)/\(file)"
        let inProcess = try await host.load(try StrategySource(file: source, id: "\(name)-paired-shared"), isolation: .shared)
        let worker = try await host.load(try StrategySource(file: source, id: "\(name)-paired-process"), isolation: .process)
        let fixed = try host.frame(series.window(endingAt: lookback - 1, lookback: lookback))
        let clock = ContinuousClock()
        func run(_ s: Strategy, from first: Int) async throws -> [UInt64] {
            var samples: [UInt64] = []
            for i in first..<(first + block) {
                let start = clock.now
                _ = try await host.run(s, on: sameCandle ? fixed : try host.frame(series.window(endingAt: lookback + 19 + i, lookback: lookback)))
                samples.append(Self.nanos(clock.now - start))
            }
            return samples
        }
        _ = try await run(inProcess, from: -20)
        _ = try await run(worker, from: -20)
        var result = PairedCase(name: name)
        for b in 0..<max(1, calls / block) {
            if b & 1 == 0 {
                result.add(shared: try await run(inProcess, from: b * block), process: try await run(worker, from: b * block))
            } else {
                let process = try await run(worker, from: b * block)
                result.add(shared: try await run(inProcess, from: b * block), process: process)
            }
        }
        return result
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

    /// What the cases show against the issues' targets.
    func summary(_ cases: [BenchCase], _ paired: [PairedCase]) -> String {
        func p50(_ name: String) -> Double { cases.first { $0.name == name }?.p50 ?? .nan }
        let embedded = p50("sma500-embedded"), floor = p50("sma500-floor"), spawn = p50("sma500-subprocess")
        let inner = cases.first { $0.name == "sma500-embedded" }.map { Output.percentileMicros($0.inner, 50) } ?? .nan
        return String(format: """

            sma500-embedded / sma500-floor      = %.2f×  (target ≤ 1.25×)
            sma500-subprocess / sma500-embedded = %.0f×  (target ≥ 300×)
            sma500 strategy time inside the call (p50) = %.1f µs; runtime overhead around it, frame build included = %.1f µs
            """, embedded / floor, spawn / embedded, inner, embedded - inner)
            + "\n\nprocess over shared, blocks of 50 calls alternated (targets: noop ≤ 50 µs, sma500 ≤ 100 µs):\n"
            + paired.map(\.line).joined(separator: "\n")
    }

    static func nanos(_ d: Duration) -> UInt64 { UInt64(max(0, d / .nanoseconds(1))) }
}

/// Two levels measured side by side (see `RuntimeBench.alternated`).
struct PairedCase {
    let name: String
    private(set) var shared: [UInt64] = []
    private(set) var process: [UInt64] = []
    /// Per pair of blocks: the process block's median minus the shared block's, in ns.
    private(set) var differences: [Int64] = []

    init(name: String) { self.name = name }

    mutating func add(shared a: [UInt64], process b: [UInt64]) {
        shared += a
        process += b
        differences.append(Int64(Self.median(b)) - Int64(Self.median(a)))
    }

    private static func median(_ xs: [UInt64]) -> UInt64 { xs.isEmpty ? 0 : xs.sorted()[xs.count / 2] }

    /// The median of the block differences, in µs.
    var overhead: Double { differences.isEmpty ? .nan : Double(differences.sorted()[differences.count / 2]) / 1_000 }

    var line: String {
        String(format: "  %@-process − %@-shared: %+.1f µs (median over %d pairs of blocks; all calls: p50 %.1f vs %.1f µs)",
               name, name, overhead, differences.count, Output.percentileMicros(process, 50), Output.percentileMicros(shared, 50))
    }

    var object: [String: Any] {
        ["name": name, "overhead_p50_us": round(overhead * 10) / 10, "process_p50_us": round(Output.percentileMicros(process, 50) * 10) / 10,
         "shared_p50_us": round(Output.percentileMicros(shared, 50) * 10) / 10, "block_pairs": differences.count]
    }
}
