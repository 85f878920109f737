/// The connector factory: one connector per live venue, sharing one HTTP client, so that every
/// subscriber of a venue shares its per-IP budget (and per-key budgets by API key).
public final class ExchangeConnectors: Sendable {
    public let endpoints: ExchangeEndpoints
    let http: ExchangeHTTP
    private let binanceSpot: BinanceConnector
    private let binanceUSDM: BinanceConnector
    private let coindcx: CoinDCXConnector

    public init(endpoints: ExchangeEndpoints = ExchangeEndpoints(), http: ExchangeHTTP = ExchangeHTTP()) {
        self.endpoints = endpoints
        self.http = http
        binanceSpot = BinanceConnector(venue: .binanceSpot, base: endpoints.binanceSpot, http: http)
        binanceUSDM = BinanceConnector(venue: .binanceUSDM, base: endpoints.binanceUSDM, http: http)
        coindcx = CoinDCXConnector(base: endpoints.coindcx, publicBase: endpoints.coindcxPublic, http: http)
    }

    /// The connector of `venue`; nil for `paper`, whose orders stay on the engine's `PaperExchange`.
    public func connector(_ venue: ExchangeVenue) -> (any ExchangeConnector)? {
        switch venue {
        case .binanceSpot: return binanceSpot
        case .binanceUSDM: return binanceUSDM
        case .coindcx: return coindcx
        case .paper: return nil
        }
    }

    /// The Binance connector of `venue` (spot or USDⓈ-M), for venue-specific calls (leverage).
    public func binance(_ venue: ExchangeVenue) -> BinanceConnector? {
        venue == .binanceSpot ? binanceSpot : venue == .binanceUSDM ? binanceUSDM : nil
    }

    /// Closes the HTTP connections; call once when the executor stops.
    public func shutdown() async { await http.shutdown() }
}
