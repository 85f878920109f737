import CCallgrind
import Foundation
import StrategyRuntime

/// The cases, counted one at a time: each runs a few calls uncounted, then `calls` counted ones,
/// and dumps its count under its name. Callers never poll (every spin is zero), so waiting costs
/// the same few instructions on every run.
struct InstructionCases {
    let calls: Int

    func run() async throws {
        var config = HostConfiguration.discovered
        config.spin = .zero
        config.callerSpin = .zero
        config.callerSpinLimit = .zero
        config.workerIdleTimeout = nil
        progress("starting the runtime")
        let host = try await StrategyHost(configuration: config)
        progress("runtime started")
        guard let root = HostConfiguration.projectRoot else { throw StrategyError(.load, "cannot find python/strategies") }
        var limits = StrategyLimits()
        limits.timeout = .seconds(600)  // valgrind runs code ~50× slower
        limits.loadTimeout = .seconds(600)
        let series = SyntheticCandles(seed: 42).generate(600 + calls)
        let fixed = try host.frame(series.window(endingAt: 499, lookback: 500))

        let noop = "def main(data, ctx=None):\n    return None\n"
        for level in [IsolationLevel.shared, .subinterpreter, .process] {
            let s = try await host.load(StrategySource(id: "noop-\(level.rawValue)", code: noop), isolation: level, limits: limits)
            try await count("noop-\(level.rawValue)", calls) { _ in _ = try await host.run(s, on: fixed) }
        }
        let sma = try String(contentsOfFile: root + "/python/strategies/sma_crossover.py", encoding: .utf8)
        for level in [IsolationLevel.shared, .process] {
            let s = try await host.load(StrategySource(id: "sma-\(level.rawValue)", code: sma), isolation: level, limits: limits)
            let name = level == .shared ? "sma500-embedded" : "sma500-process"
            try await count(name, calls) { i in
                _ = try await host.run(s, on: try host.frame(series.window(endingAt: 520 + i, lookback: 500)))
            }
        }
        // The floor: the strategy alone, called `calls` times in a Python loop within one call, on
        // shallow copies; the same loop making only the copies is counted apart and subtracted.
        let loop = sma + """

            _seed_main = main
            def main(data, ctx):
                only_copies = ctx.params.get("only_copies", False)
                for _ in range(ctx.params["n"]):
                    view = data.copy(deep=False)
                    if not only_copies:
                        _seed_main(view)
                return None
            """
        let floor = try await host.load(StrategySource(id: "sma-floor", code: loop), limits: limits)
        for (name, onlyCopies) in [("sma500-floor-loop", false), ("sma500-floor-copies", true)] {
            let context = StrategyCallContext(paramsJSON: #"{"n": \#(calls), "only_copies": \#(onlyCopies)}"#)
            try await count(name, 1, warm: 1) { _ in _ = try await host.run(floor, on: fixed, context: context) }
        }
        await host.shutdown()
    }

    private func progress(_ line: String) {
        FileHandle.standardError.write(Data("InstructionCounts: \(line)\n".utf8))
    }

    /// Counts `n` calls of `body` (after `warm` uncounted ones) and dumps the count as `name`.
    private func count(_ name: String, _ n: Int, warm: Int = 5, _ body: (Int) async throws -> Void) async throws {
        progress(name)
        for i in 0..<warm { try await body(-1 - i) }
        tc_callgrind_dump("-")  // a dump zeroes every thread's counts (a zero request, the calling thread's only)
        for i in 0..<n { try await body(i) }
        tc_callgrind_dump(name)
    }
}
