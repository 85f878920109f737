import ArgumentParser
import Foundation
import StrategyRuntime

/// `tradectl bench runtime`: every case of the per-candle comparison, in one run, on the same candles.
struct BenchRuntimeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime",
        abstract: "Side-by-side per-candle latency: embedded levels, the subprocess baseline and the floor.",
        discussion: """
        Cases: noop-shared, noop-subinterpreter, noop-process (runtime overhead on a prebuilt frame); \
        sma200/500/2000-embedded (the seed's SMA crossover, a new frame built for every candle and counted); \
        sma500-subprocess (one python3.11 process per call, as the seed did); sma500-floor (the same \
        strategy in a warm plain python3.11 loop on shallow copies of a frame built in advance); \
        frame500-build (building the 500-candle frame alone); sma500-process (sma500 in a worker process). \
        Then the process level against shared side by side, noop and sma500: blocks of 50 calls of the \
        two levels alternate, and the median of the block-median differences is reported.
        """)

    @Option(help: "Calls per embedded case and for the floor.") var calls = 500
    @Option(help: "Calls of the subprocess baseline (each starts python3.11).") var subprocessCalls = 20
    @Option(help: "Seed of the synthetic candle series.") var seed: UInt64 = 42
    @Flag(help: "Print JSON: {\"cases\": [{name, p50_us, p99_us, n}], \"paired\": [{name, overhead_p50_us, …}]}.") var json = false

    func run() async throws {
        let root = try Output.projectRoot()
        let bench = RuntimeBench(root: root, calls: max(calls, 10), subprocessCalls: max(subprocessCalls, 3), seed: seed,
                                 progress: { if !json { FileHandle.standardError.write(Data("  \($0)…\n".utf8)) } })
        let result: (cases: [BenchCase], paired: [PairedCase])
        do {
            result = try await bench.runAll()
        } catch let e as StrategyError {
            Output.fail(e, json: json)
        }
        if json {
            print(Output.json(["cases": result.cases.map(\.object), "paired": result.paired.map(\.object)]))
        } else {
            print(BenchCase.table(result.cases))
            print(bench.summary(result.cases, result.paired))
        }
        Output.exit(code: 0)
    }
}

/// One measured case: nanosecond samples and their percentiles.
struct BenchCase {
    let name: String
    let samples: [UInt64]
    /// Time spent inside the Python call, where the runtime measured it.
    var inner: [UInt64] = []
    var p50: Double { Output.percentileMicros(samples, 50) }
    var p99: Double { Output.percentileMicros(samples, 99) }
    var object: [String: Any] { ["name": name, "p50_us": round(p50 * 10) / 10, "p99_us": round(p99 * 10) / 10, "n": samples.count] }

    static func table(_ cases: [BenchCase]) -> String {
        var lines = ["case".padding(toLength: 22, withPad: " ", startingAt: 0) + "         p50 µs         p99 µs      n"]
        for c in cases {
            lines.append(c.name.padding(toLength: 22, withPad: " ", startingAt: 0)
                         + String(format: " %14.1f %14.1f %6d", c.p50, c.p99, c.samples.count))
        }
        return lines.joined(separator: "\n")
    }
}
