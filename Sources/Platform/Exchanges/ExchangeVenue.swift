/// The exchanges a subscription can trade on, by the names credentials and options use.
public enum ExchangeVenue: String, Sendable, Codable, CaseIterable {
    /// Binance spot (`/api/v3`).
    case binanceSpot = "binance-spot"
    /// Binance USDⓈ-M perpetual futures (`/fapi`).
    case binanceUSDM = "binance-usdm"
    /// CoinDCX spot.
    case coindcx
    /// The platform's own paper exchange (no credentials, nothing leaves the machine).
    case paper

    /// Spot or futures: which account model the order engine keeps for it.
    public var market: MarketKind { self == .binanceUSDM ? .futures : .spot }

    /// Parses a credential's broker name (`binance` is spot).
    ///
    /// - Throws: `ExchangeError.invalidInput` listing the names.
    public static func parse(_ name: String) throws(ExchangeError) -> ExchangeVenue {
        if name == "binance" { return .binanceSpot }
        guard let v = ExchangeVenue(rawValue: name) else {
            throw ExchangeError(.invalidInput, "unknown exchange '\(name.prefix(40))'; expected "
                                + allCases.map(\.rawValue).joined(separator: ", "))
        }
        return v
    }
}

/// Where a connector sends its requests: production by default; testnets or a local simulator
/// are options (`--binance-url`, `--binance-futures-url`, `--coindcx-url`, `--coindcx-public-url`).
public struct ExchangeEndpoints: Sendable, Equatable {
    /// Binance spot REST base (production `https://api.binance.com`, testnet `https://testnet.binance.vision`).
    public var binanceSpot: String
    /// Binance USDⓈ-M REST base (production `https://fapi.binance.com`, testnet `https://testnet.binancefuture.com`).
    public var binanceUSDM: String
    /// CoinDCX trading and market-details base (`https://api.coindcx.com`).
    public var coindcx: String
    /// CoinDCX public market data base, where candles live (`https://public.coindcx.com`).
    public var coindcxPublic: String

    public init(binanceSpot: String = "https://api.binance.com", binanceUSDM: String = "https://fapi.binance.com",
                coindcx: String = "https://api.coindcx.com", coindcxPublic: String = "https://public.coindcx.com") {
        self.binanceSpot = Self.trimmed(binanceSpot)
        self.binanceUSDM = Self.trimmed(binanceUSDM)
        self.coindcx = Self.trimmed(coindcx)
        self.coindcxPublic = Self.trimmed(coindcxPublic)
    }

    /// Every venue at one base URL (the simulator serves them all on one port).
    public static func all(at base: String) -> ExchangeEndpoints {
        ExchangeEndpoints(binanceSpot: base, binanceUSDM: base, coindcx: base, coindcxPublic: base)
    }

    private static func trimmed(_ s: String) -> String { s.hasSuffix("/") ? String(s.dropLast()) : s }
}
