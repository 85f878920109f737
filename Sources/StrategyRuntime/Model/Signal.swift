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
