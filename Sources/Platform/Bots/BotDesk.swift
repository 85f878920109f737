import Foundation
import StrategyRuntime

/// Creating, previewing, stopping, starting, deleting and copying bots: the bots' Python for
/// validation and previews (`BotCatalog`), the database for what is stored, the coordinator for
/// the orders a stop places, and the feed for the price a bot starts at.
public struct BotDesk: Sendable {
    public let db: PlatformDatabase
    public let catalog: BotCatalog
    /// Commits a stop's cancels and close; nil: stopping is refused (`invalidInput`).
    public let coordinator: Coordinator?
    /// Where the newest closed candle (the start price) comes from.
    public let candles: any CandleSource
    public let clock: VirtualClock
    public let quotas: Quotas

    public init(db: PlatformDatabase, catalog: BotCatalog, coordinator: Coordinator?, candles: (any CandleSource)? = nil,
                clock: VirtualClock = .real, quotas: Quotas = .unlimited) {
        self.db = db
        self.catalog = catalog
        self.coordinator = coordinator
        self.candles = candles ?? StoreSource(db: db)
        self.clock = clock
        self.quotas = quotas
    }

    /// The newest closed candle of `symbol` (one candle).
    ///
    /// - Throws: `invalidInput` on `symbol` when the feed has none yet.
    public func lastCandle(symbol: String, timeframe: Timeframe) async throws(PlatformError) -> CandleWindow {
        let through = CandleSchedule.newestDue(timeframe, now: clock.now(), grace: 0)
        let w = try await candles.candles(symbol: symbol, timeframe: timeframe, from: through - 100 * timeframe.milliseconds, through: through)
        guard w.count > 0 else {
            throw PlatformError(.invalidInput, "no closed \(timeframe.rawValue) candle of \(symbol) yet to start the bot at", field: "symbol")
        }
        return w.slice((w.count - 1)..<w.count)
    }

    /// The preview of `spec` at `price` (default: the newest close), placing nothing.
    ///
    /// - Returns: the start price and the preview (JSON object text).
    /// - Throws: `invalidInput` naming the field (as the bot's validation names it).
    public func preview(_ spec: BotSpec, price: Double? = nil) async throws(PlatformError) -> (price: Double, json: String) {
        let at: Double
        if let price { at = price } else { at = try await lastCandle(symbol: spec.symbol, timeframe: spec.timeframe).close[0] }
        let rules = try db.rules(symbol: spec.symbol).market(spec.market)
        return (at, try await catalog.preview(spec.kind, params: spec.params, rules: rules, price: at))
    }

    /// Validates `spec` at the newest close and creates the bot with the owner's subscription; it
    /// runs from the next close.
    ///
    /// - Throws: `invalidInput` naming the field; `quotaExceeded`; `notFound` for an unknown owner.
    public func create(ownerID: Int64, _ spec: BotSpec) async throws(PlatformError) -> BotRecord {
        var spec = spec
        let price = try await lastCandle(symbol: spec.symbol, timeframe: spec.timeframe).close[0]
        let rules = try db.rules(symbol: spec.symbol).market(spec.market)
        spec.adopt(validated: try await catalog.validate(spec.kind, params: spec.params, rules: rules, price: price))
        if spec.params.contains("\"signal\"") { try checkSignalSource(spec.params) }
        let preview = try await catalog.preview(spec.kind, params: spec.params, rules: rules, price: price)
        return try db.createBot(ownerID: ownerID, spec, capital: BotSpec.capital(investment: spec.investment, previewJSON: preview),
                                quotas: quotas)
    }

    /// A bot started by signals names a live strategy by its id.
    private func checkSignalSource(_ params: String) throws(PlatformError) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(params.utf8))) as? [String: Any],
              object["start"] as? String == "signal" else { return }
        guard let named = BotSignals.namedStrategy(params) else {
            throw PlatformError(.invalidInput, "strategy: name the strategy whose BUY starts a deal by its id, e.g. \"12\"", field: "strategy")
        }
        do {
            guard try !db.strategySummary(id: named).deleted else { throw PlatformError(.notFound, "deleted") }
        } catch {
            throw PlatformError(.invalidInput, "strategy: no live strategy \(named)", field: "strategy")
        }
    }

    /// Stops one of the owner's bots: it stops running, and one execution at the newest close
    /// cancels every open order of the bot and of every copier and, with `closePosition`, sells
    /// (or, short, buys back) each account's position at market.
    ///
    /// - Throws: `notFound`, `conflict` when stopped already, `invalidInput` without a coordinator.
    public func stop(ownerID: Int64, id: Int64, closePosition: Bool) async throws(PlatformError) -> BotRecord {
        guard let coordinator else { throw PlatformError(.invalidInput, "stopping bots needs the executor") }
        let current = try db.bot(ownerID: ownerID, id: id)
        let window = try await lastCandle(symbol: current.symbol, timeframe: current.timeframe)
        let (bot, version) = try db.markBotStopped(ownerID: ownerID, id: id, closePosition: closePosition)
        let close = closePosition ? [Signal(action: .close, entryPrice: window.close[0], symbol: bot.symbol)] : []
        _ = try await coordinator.commit(signals: close, intents: [.cancelAll], version: version, window: window)
        return bot
    }

    /// Starts a stopped bot from the next close: it places its orders again where it left them,
    /// or starts afresh (a new plan at that close's price) when its stop closed the position or it
    /// had ended itself (take-profit, stop-loss, liquidation).
    ///
    /// - Throws: `notFound`, `conflict` when it runs already.
    public func start(ownerID: Int64, id: Int64) async throws(PlatformError) -> BotRecord {
        let bot = try db.bot(ownerID: ownerID, id: id)
        let ended = BotStatus(stateJSON: try db.botState(bot)).endedReason != nil
        return try db.markBotStarted(ownerID: ownerID, id: id, fresh: bot.closedPosition || ended)
    }

    /// Deletes one of the owner's bots: a running one is stopped first (orders cancelled, the
    /// position kept), then the strategy is deleted and every subscription to it cancelled.
    ///
    /// - Throws: `notFound`.
    public func delete(ownerID: Int64, id: Int64) async throws(PlatformError) {
        if try db.bot(ownerID: ownerID, id: id).status == .running {
            _ = try await stop(ownerID: ownerID, id: id, closePosition: false)
        }
        try db.markBotDeleted(ownerID: ownerID, id: id)
    }

    /// Copies a public bot: `userID` subscribes with `capital`; every order of the bot is mirrored
    /// to that account scaled by `capital / bot capital`.
    ///
    /// - Returns: the new subscription's id.
    /// - Throws: `notFound` when the bot is not public (or gone), `conflict` for a second copy,
    ///   `invalidInput` on `capital`, `quotaExceeded`.
    public func copy(userID: Int64, id: Int64, capital: Double) async throws(PlatformError) -> Int64 {
        let bot = try db.publicBot(id: id)
        let version = try db.strategyVersions(strategyID: id).last
        let leverage = version?.spec.reference.leverage ?? 1
        let terms = try SubscriptionTerms(capital: capital, riskPerTrade: 0.01, leverage: leverage, allowShort: true, market: bot.market)
        return try db.subscribe(userID: userID, strategyID: id, terms: terms, quotas: quotas)
    }

    /// What the owner sees of a bot: its status, open orders, profit and liquidation price.
    ///
    /// - Throws: `notFound`.
    public func report(ownerID: Int64, id: Int64) throws(PlatformError) -> BotReport {
        let bot = try db.bot(ownerID: ownerID, id: id)
        let status = BotStatus(stateJSON: try db.botState(bot))
        let open = try db.orders(userID: ownerID, subscriptionID: bot.subscriptionID, open: true, limit: 500, offset: 0).items
        let account = try db.accounts(userID: ownerID, subscriptionID: bot.subscriptionID).first { $0.symbol == bot.symbol }
        let equity = try db.referenceEquity(strategyID: bot.id, symbol: bot.symbol, limit: 1).last
        let price = try equity.flatMap { e throws(PlatformError) in
            try db.candles(symbol: bot.symbol, timeframe: bot.timeframe, from: e.time, through: e.time).close.last
        }
        return BotReport(bot: bot, status: status, openOrders: open, account: account, equity: equity?.equity, price: price)
    }
}
