import Logging
import StrategyRuntime

/// A live candle feed (`--feed binance|coindcx`): closed candles from the exchange, stored in the
/// platform database and served from there.
///
/// A request for candles up to `through` reads the store; what is missing is fetched from the
/// exchange (paged, closed candles only: Binance rows whose closeTime is before the server time,
/// CoinDCX rows sorted from newest-first and cut at the clock), stored, and read again. A candle
/// the exchange has not closed yet is simply absent, so the scheduler waits and retries, and
/// never runs a half-built candle. An exchange error leaves the store as it is and is logged; the
/// next retry asks again.
public final class ExchangeFeed: CandleSource {
    let connector: any ExchangeConnector
    let db: PlatformDatabase
    let logger: Logger

    public init(connector: any ExchangeConnector, db: PlatformDatabase, logger: Logger = Logger(label: "tradectl.feed")) {
        self.connector = connector
        self.db = db
        self.logger = logger
    }

    public func candles(symbol: String, timeframe: Timeframe, from: Int64, through: Int64) async throws(PlatformError) -> CandleWindow {
        let stored = try db.candles(symbol: symbol, timeframe: timeframe, from: from, through: through)
        let d = timeframe.milliseconds
        let expected = Int((through - from) / d) + 1
        if stored.count >= expected || stored.times.last == through && stored.times.first == from { return stored }
        var start = stored.times.first == from ? (stored.times.last.map { $0 + d } ?? from) : from
        var fetched = 0
        while start <= through {
            let page: CandleWindow
            do {
                page = try await connector.candles(symbol: symbol, timeframe: timeframe, from: start, through: through, limit: 1_000)
            } catch {
                logger.warning("live candles not fetched", metadata: ["venue": "\(connector.venue.rawValue)", "symbol": "\(symbol)",
                                                                      "timeframe": "\(timeframe.rawValue)", "error": "\(error)"])
                break
            }
            guard let last = page.times.last, page.count > 0 else { break }
            fetched += try db.importCandles(page)
            if last >= through || page.count < 1_000 { break }
            start = last + d
        }
        return fetched == 0 ? stored : try db.candles(symbol: symbol, timeframe: timeframe, from: from, through: through)
    }
}
