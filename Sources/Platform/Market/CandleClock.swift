import Foundation
import StrategyRuntime

/// Platform time in epoch milliseconds: real time, or an accelerated clock that maps wall time
/// since `wallStart` onto virtual time from `virtualStart` at `speed`× (so several worker
/// processes given the same three numbers agree on the time).
public struct VirtualClock: Sendable {
    public let virtualStart: Int64
    public let wallStart: Int64
    public let speed: Double

    public init(virtualStart: Int64, wallStart: Int64, speed: Double) {
        self.virtualStart = virtualStart
        self.wallStart = wallStart
        self.speed = speed
    }

    public static var real: VirtualClock {
        let now = wallNow()
        return VirtualClock(virtualStart: now, wallStart: now, speed: 1)
    }

    public func now() -> Int64 { virtualStart + Int64(Double(Self.wallNow() - wallStart) * speed) }

    /// Wall milliseconds to wait for `virtual` milliseconds to pass.
    public func wallMillis(_ virtual: Int64) -> Int64 { Int64(Double(virtual) / speed) }

    /// The wall time (epoch ms, fractional) at which the clock shows `virtual`.
    public func wallMillis(atVirtual virtual: Int64) -> Double { Double(wallStart) + Double(virtual - virtualStart) / speed }

    public static func wallNow() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

/// Which candles are due: per DESIGN.md a candle [T, T+d) runs once `now` is past T + d + grace.
public enum CandleSchedule {
    /// The open time of the newest candle due at `now`.
    public static func newestDue(_ tf: Timeframe, now: Int64, grace: Int64) -> Int64 {
        tf.floor(now - grace) - tf.milliseconds
    }
}
