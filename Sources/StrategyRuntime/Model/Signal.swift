/// A validated trading signal returned by a strategy.
public struct Signal: Sendable, Equatable, Codable {
    /// What the strategy asks for.
    public enum Action: String, Sendable, Codable, CaseIterable {
        /// Open long, closing any short first.
        case buy = "BUY"
        /// Open short, closing any long first (only closes where shorts are not allowed).
        case sell = "SELL"
        /// Close the position.
        case close = "CLOSE"
        /// Do nothing.
        case hold = "HOLD"
    }

    public var action: Action
    /// The entry price: the strategy's, or the candle's close.
    public var entryPrice: Double
    public var stopLoss: Double?
    public var takeProfit: Double?
    public var symbol: String

    public init(action: Action, entryPrice: Double, stopLoss: Double? = nil, takeProfit: Double? = nil, symbol: String) {
        self.action = action
        self.entryPrice = entryPrice
        self.stopLoss = stopLoss
        self.takeProfit = takeProfit
        self.symbol = symbol
    }
}

extension Signal {
    /// Checks what the contract in DESIGN.md asks of a signal: every price inside
    /// `MarketBounds.price` (so finite and > 0), the stop and the take-profit on the correct side
    /// of the entry. Signals from a strategy are checked by the runtime; the platform checks again
    /// those that come from anywhere else (webhooks, a `process` worker's reply).
    ///
    /// - Parameters:
    ///   - prefix: put before the field name in the error, e.g. `[1].`.
    ///   - strategyID: the strategy the signal came from, for the error.
    /// - Throws: `StrategyError` with code `invalidSignal` whose `field` names the first culprit.
    public func validate(prefix: String = "", strategyID: String? = nil) throws(StrategyError) {
        func invalid(_ field: String, _ message: String) -> StrategyError {
            StrategyError(.invalidSignal, message, strategyID: strategyID, field: prefix + field)
        }
        func bounded(_ name: String, _ value: Double?) throws(StrategyError) {
            guard let v = value, !MarketBounds.isPrice(v) else { return }
            throw invalid(name, "\(name) \(v) is outside the prices the platform takes "
                          + "(\(MarketBounds.price.lowerBound) … \(MarketBounds.price.upperBound))")
        }
        try bounded("entryPrice", entryPrice)
        try bounded("stopLoss", stopLoss)
        try bounded("takeProfit", takeProfit)
        switch action {
        case .buy:
            if let s = stopLoss, s >= entryPrice { throw invalid("stopLoss", "a BUY's stopLoss \(s) must be below its entry \(entryPrice)") }
            if let t = takeProfit, t <= entryPrice { throw invalid("takeProfit", "a BUY's takeProfit \(t) must be above its entry \(entryPrice)") }
        case .sell:
            if let s = stopLoss, s <= entryPrice { throw invalid("stopLoss", "a SELL's stopLoss \(s) must be above its entry \(entryPrice)") }
            if let t = takeProfit, t >= entryPrice { throw invalid("takeProfit", "a SELL's takeProfit \(t) must be below its entry \(entryPrice)") }
        case .close, .hold:
            break
        }
    }
}
