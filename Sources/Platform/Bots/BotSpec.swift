import Foundation
import StrategyRuntime

/// What a user asks for when creating a bot: its kind, where it trades, its parameters and its
/// investment. `versionSpec` is the strategy version it becomes; `terms` the owner's subscription.
public struct BotSpec: Sendable, Equatable {
    public var kind: BotKind
    public var symbol: String
    public var timeframe: Timeframe
    public var market: MarketKind
    /// The bot's parameters as a JSON object, `investment` included.
    public var params: String
    /// The reference capital: quote on spot, margin on futures.
    public var investment: Double
    /// Leverage of the futures account: the `leverage` of the validated params (1 on spot).
    public var leverage: Double
    /// Whether other users may copy it.
    public var isPublic: Bool

    /// Checks what does not need the bot's Python: the symbol's grammar, the market of the kind,
    /// the investment's bounds, that `params` is a JSON object; puts `investment` into the params
    /// (BTD bots take it in quote: the platform's spot accounts start in quote).
    ///
    /// - Throws: `PlatformError.invalidInput` naming `symbol`, `market`, `investment`, `params`,
    ///   or `investmentCurrency`.
    public init(kind: BotKind, symbol: String, timeframe: Timeframe, market: MarketKind? = nil, params: String, investment: Double,
                isPublic: Bool = false) throws(PlatformError) {
        let wanted = market ?? kind.market
        guard wanted == kind.market else {
            throw PlatformError(.invalidInput, "a \(kind.rawValue) bot trades on \(kind.market.rawValue), not \(wanted.rawValue)", field: "market")
        }
        guard investment.isFinite, investment > 0, investment <= SubscriptionTerms.maxCapital else {
            throw PlatformError(.invalidInput, "investment must be > 0 and at most \(SubscriptionTerms.maxCapital), got \(investment)",
                                field: "investment")
        }
        guard var object = (try? JSONSerialization.jsonObject(with: Data(params.utf8))) as? [String: Any] else {
            throw PlatformError(.invalidInput, "params must be a JSON object", field: "params")
        }
        object["investment"] = investment
        if kind == .btd {
            if let currency = object["investmentCurrency"] as? String, currency != "quote" {
                throw PlatformError(.invalidInput, "a BTD bot here takes its investment in quote (spot accounts start in quote), got '\(currency)'",
                                    field: "investmentCurrency")
            }
            object["investmentCurrency"] = "quote"
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            throw PlatformError(.invalidInput, "params must be a JSON object of finite numbers, strings and flags", field: "params")
        }
        self.kind = kind
        self.symbol = try SymbolGrammar.normalized(symbol)
        self.timeframe = timeframe
        self.market = wanted
        self.params = String(decoding: data, as: UTF8.self)
        self.investment = investment
        self.leverage = 1
        self.isPublic = isPublic
    }

    /// Takes the parameters as the bot's validation normalised them (`BotCatalog.validate`), and
    /// the futures leverage from them.
    public mutating func adopt(validated json: String) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else { return }
        params = json
        if market == .futures, let lev = object["leverage"] as? NSNumber, lev.doubleValue >= 1, lev.doubleValue <= 125 {
            leverage = lev.doubleValue
        }
    }

    /// The strategy version the bot is: the generated wrapper, its params, one symbol, a lookback
    /// of 2 (bots read the last candle only), `shared` isolation (the code is tradekit's, never the
    /// user's) and a reference account of `capital`.
    public func versionSpec(capital: Double) -> StrategyVersionSpec {
        StrategyVersionSpec(source: kind.source, params: params, symbols: [symbol], timeframe: timeframe, lookback: 2, isolation: .shared,
                            reference: ReferenceSpec(capital: capital, market: market, leverage: leverage, riskPerTrade: 0.01))
    }

    /// Terms of a subscription to the bot with `capital` (the owner's: the bot's capital, ratio 1).
    ///
    /// - Throws: `PlatformError.invalidInput` naming `capital` out of bounds.
    public func terms(capital: Double) throws(PlatformError) -> SubscriptionTerms {
        try SubscriptionTerms(capital: capital, riskPerTrade: 0.01, leverage: leverage, allowShort: true, market: market)
    }

    /// The capital a bot needs: its investment, or what its start takes with fees when that is
    /// more (the preview's `capital.quote` on spot, `margin` on futures), so no start order is
    /// refused for the fee on top.
    public static func capital(investment: Double, previewJSON: String) -> Double {
        guard let p = (try? JSONSerialization.jsonObject(with: Data(previewJSON.utf8))) as? [String: Any] else { return investment }
        let needs = [((p["capital"] as? [String: Any])?["quote"] as? Double), p["margin"] as? Double].compactMap { $0 }
        return max(investment, needs.max() ?? 0)
    }
}
