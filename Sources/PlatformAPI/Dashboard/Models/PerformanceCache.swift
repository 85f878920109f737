import Foundation
import Platform
import StrategyRuntime
import Synchronization

/// Strategies' public performance, kept for a few seconds: the listing sorts every matching
/// strategy by it, and a new candle changes it at most once per close.
final class PerformanceCache: Sendable {
    private let entries = Mutex<[Int64: (at: ContinuousClock.Instant, versionID: Int64, value: ReferencePerformance)]>([:])
    let ttl: Duration
    let capacity = 20_000

    init(ttl: Duration = .seconds(2)) {
        self.ttl = ttl
    }

    func value(_ strategyID: Int64, versionID: Int64) -> ReferencePerformance? {
        let now = ContinuousClock.now
        return entries.withLock { e in
            guard let hit = e[strategyID], hit.versionID == versionID, now - hit.at < ttl else { return nil }
            return hit.value
        }
    }

    func store(_ strategyID: Int64, versionID: Int64, _ value: ReferencePerformance) {
        entries.withLock { e in
            if e.count >= capacity { e.removeAll(keepingCapacity: true) }
            e[strategyID] = (.now, versionID, value)
        }
    }
}

extension Dashboard {
    /// Candles of the reference account and of the charts.
    static let chartCandles = 300

    /// The newest `count` closed candles of (symbol, timeframe) on the dashboard's feed.
    func recentBars(symbol: String, timeframe: Timeframe, count: Int = Dashboard.chartCandles) async throws -> CandleWindow {
        let d = timeframe.milliseconds
        let through = timeframe.floor(services.clock.now()) - d
        return try await candles.candles(symbol: symbol, timeframe: timeframe, from: through - Int64(count - 1) * d, through: through)
    }

    /// The strategy's signals on the reference account over the chart's candles (its first symbol).
    func performance(_ s: StrategySummary) async throws -> ReferencePerformance {
        if let hit = performance.value(s.id, versionID: s.version.id) { return hit }
        guard let symbol = s.version.spec.symbols.first else { return .empty }
        let bars = try await recentBars(symbol: symbol, timeframe: s.version.spec.timeframe)
        let value: ReferencePerformance
        if let from = bars.times.first {
            let signals = try db.referenceSignals(strategyID: s.id, symbol: symbol, timeframe: s.version.spec.timeframe, from: from)
            value = ReferenceAccount.replay(signals: signals, bars: bars)
        } else {
            value = .empty
        }
        performance.store(s.id, versionID: s.version.id, value)
        return value
    }
}
