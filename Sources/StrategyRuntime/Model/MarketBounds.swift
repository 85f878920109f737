/// The magnitudes a price may have anywhere in the platform: candles, CSV rows and signals are
/// checked against them where they enter, so no product or quotient computed from them later
/// (sizes, fees, P&L, returns) can overflow or come out as NaN.
///
/// 1e-8 is the smallest tick of any listed crypto pair and 1e9 is far above any traded price; a
/// symbol's own rules may narrow the range, never widen it.
public enum MarketBounds {
    /// Prices: 1e-8 … 1e9.
    public static let price: ClosedRange<Double> = 1e-8...1e9
    /// The largest quantity an order may have (a symbol's rules may lower it).
    public static let maxQuantity = 1e15

    /// Whether `value` is a price inside `price` (false for NaN and ±inf).
    @inlinable
    public static func isPrice(_ value: Double) -> Bool { value >= price.lowerBound && value <= price.upperBound }
}
