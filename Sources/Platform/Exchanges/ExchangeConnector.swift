import Foundation
import StrategyRuntime

/// One exchange behind one protocol: market data, symbol rules and trading, in the order
/// engine's terms (`MarketRules`, `OrderState`, `ExchangeOrder` → `Order`/`Fill`).
///
/// Every trading call takes the subscription's credentials; the connector signs with them and
/// charges its rate budgets (one per IP, one per API key). Errors are `ExchangeError`s: an
/// `unknownOutcome` means the request may have executed, so query before sending it again
/// (`LiveOrderRouter` does).
public protocol ExchangeConnector: Sendable {
    var venue: ExchangeVenue { get }

    /// The exchange's time (ms); also refreshes the connector's clock offset.
    func serverTime() async throws(ExchangeError) -> Int64

    /// The symbol's rules (tick, lot, minimum quantity and notional), from exchange info.
    func symbol(_ symbol: String) async throws(ExchangeError) -> ExchangeSymbol

    /// CLOSED candles of (symbol, timeframe) whose open times lie in `from...through`, oldest
    /// first, at most `limit` (the exchange's cap). A candle still forming is never included.
    func candles(symbol: String, timeframe: Timeframe, from: Int64, through: Int64, limit: Int) async throws(ExchangeError) -> CandleWindow

    /// Places an order carrying `request.clientID`.
    func place(_ request: LiveOrderRequest, credentials: ExchangeCredentials) async throws(ExchangeError) -> ExchangeOrder

    /// Cancels the order with this client id.
    func cancel(symbol: String, clientID: String, credentials: ExchangeCredentials) async throws(ExchangeError) -> ExchangeOrder

    /// The order with this client id, or nil when the exchange has none.
    func order(symbol: String, clientID: String, credentials: ExchangeCredentials) async throws(ExchangeError) -> ExchangeOrder?

    /// The account's open orders on `symbol`.
    func openOrders(symbol: String, credentials: ExchangeCredentials) async throws(ExchangeError) -> [ExchangeOrder]

    /// The account's balances (spot: per asset; futures: the wallet per margin asset).
    func balances(credentials: ExchangeCredentials) async throws(ExchangeError) -> [AssetBalance]

    /// Futures positions (empty on spot).
    func positions(credentials: ExchangeCredentials) async throws(ExchangeError) -> [ExchangePosition]
}

/// Where the connector's own time goes, per task: signing, encoding and decoding, with the
/// network and the exchange left out. `LiveOrderRouter` sets one per order; `tradectl bench live`
/// reads it.
public final class ConnectorMeter: @unchecked Sendable {  // @unchecked: one task writes it at a time (a task-local per order).
    /// Nanoseconds spent building, signing, decoding and mapping.
    public var localNanos: UInt64 = 0
    /// Requests sent.
    public var requests = 0

    public init() {}

    @TaskLocal public static var current: ConnectorMeter?

    /// Adds the time since `start` (a `DispatchTime.now().uptimeNanoseconds`).
    @inline(__always)
    static func add(since start: UInt64) {
        guard let m = current else { return }
        m.localNanos &+= monotonicNanos() &- start
    }

    @inline(__always)
    static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
