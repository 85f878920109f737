import Foundation
import StrategyRuntime
import Testing

/// All runtime suites share one process-wide interpreter, and some of them stall it on purpose
/// (a C-level loop holds the GIL), so they run one at a time under this parent suite.
@Suite(.serialized) struct RuntimeTests {}

enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func path(_ name: String) -> String { "\(directory)/\(name).py" }

    static func source(_ name: String, version: Int = 1) throws -> StrategySource {
        try StrategySource(file: path(name), id: name, version: version)
    }

    static func host() async throws -> StrategyHost {
        try await StrategyHost(configuration: HostConfiguration(pythonPaths: [
            "\(repoRoot)/python", "\(repoRoot)/.tradectl/site-packages",
        ]))
    }

    /// Limits tight enough that hostile fixtures fail fast.
    static var tightLimits: StrategyLimits {
        var l = StrategyLimits()
        l.timeout = .milliseconds(300)
        l.loadTimeout = .milliseconds(500)
        l.grace = .milliseconds(700)
        l.memoryBytes = 256 << 20
        return l
    }

    static func window(_ n: Int = 120, symbol: String = "BTCUSDT", seed: UInt64 = 1) -> CandleWindow {
        SyntheticCandles(symbol: symbol, timeframe: .m5, seed: seed).generate(n)
    }

    /// Loads and runs a fixture once; returns the outcome or throws its StrategyError.
    static func run(_ name: String, isolation: IsolationLevel = .shared, limits: StrategyLimits = tightLimits,
                    window: CandleWindow = window(), context: StrategyCallContext = StrategyCallContext()) async throws -> StrategyOutcome {
        let host = try await host()
        let strategy = try await host.load(try source(name), isolation: isolation, limits: limits)
        return try await host.run(strategy, on: try host.frame(window), context: context)
    }

    /// The error a fixture's load or call throws, or nil when it succeeds.
    static func error(_ name: String, isolation: IsolationLevel = .shared, limits: StrategyLimits = tightLimits,
                      context: StrategyCallContext = StrategyCallContext()) async -> StrategyError? {
        do {
            _ = try await run(name, isolation: isolation, limits: limits, context: context)
            return nil
        } catch let e as StrategyError {
            return e
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    /// After a hostile call: a well-behaved strategy on the same level still returns its signal.
    static func expectHealthy(isolation: IsolationLevel = .shared, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let w = window()
        let out = try await run(isolation == .shared ? "good_buy" : "pure_sqrt", isolation: isolation, window: w)
        #expect(out.signals.count == 1, sourceLocation: sourceLocation)
        #expect(out.signals.first?.action == .buy, sourceLocation: sourceLocation)
        #expect(out.signals.first?.entryPrice == w.close.last, sourceLocation: sourceLocation)
    }
}
