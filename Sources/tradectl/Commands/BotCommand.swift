import ArgumentParser
import Foundation
import Platform
import StrategyRuntime

/// `tradectl bot preview|backtest`: the six bots of BOTS.md, from the command line.
struct BotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bot",
        abstract: "Preview or backtest a bot (grid, dca, btd, loop, dca_futures, combo).",
        subcommands: [BotPreviewCommand.self, BotBacktestCommand.self])
}

/// A symbol's rounding, minimums and fees, as options (defaults: none, and the market's fees).
struct BotRuleOptions: ParsableArguments {
    @Option(help: "Price tick size (0: no rounding).") var tickSize = 0.0
    @Option(help: "Quantity lot step (0: no rounding).") var lotStep = 0.0
    @Option(help: "Minimum order quantity.") var minQty = 0.0
    @Option(help: "Minimum order notional (quote).") var minNotional = 0.0
    @Option(help: "Maker fee in basis points (default: 10 spot, 2 futures).") var makerFeeBps: Double?
    @Option(help: "Taker fee in basis points (default: 10 spot, 5 futures).") var takerFeeBps: Double?
    @Option(help: "Maintenance margin rate of futures positions.") var mmr = 0.005

    func symbolRules(_ market: MarketKind) throws(PlatformError) -> SymbolRules {
        let m = try marketRules(market)
        return SymbolRules(lotStep: lotStep, minNotional: minNotional, tickSize: tickSize, minQuantity: minQty, spotMakerFee: m.makerFee,
                           spotTakerFee: m.takerFee, futuresMakerFee: m.makerFee, futuresTakerFee: m.takerFee, mmr: mmr)
    }

    func marketRules(_ market: MarketKind) throws(PlatformError) -> MarketRules {
        try MarketRules(market: market, tickSize: tickSize, lotStep: lotStep, minQuantity: minQty, minNotional: minNotional,
                        makerFee: makerFeeBps.map { $0 / 10_000 }, takerFee: takerFeeBps.map { $0 / 10_000 }, mmr: mmr)
    }
}

/// The bot's kind, params and market, shared by both subcommands.
struct BotArguments: ParsableArguments {
    @Argument(help: "grid, dca, btd, loop, dca_futures or combo.") var type: String
    @Option(help: "The bot's parameters as a JSON object (BOTS.md; python/tradekit/bots/<type>.py).") var params = "{}"
    @Option(help: "The investment (quote; margin on futures); default: the params' investment.") var investment: Double?
    @Option(help: "spot or futures (default: the bot's market).") var market: String?

    /// `--market`, checked.
    func marketKind() throws(PlatformError) -> MarketKind? {
        guard let market else { return nil }
        guard let m = MarketKind(rawValue: market) else { throw PlatformError(.invalidInput, "market must be spot or futures", field: "market") }
        return m
    }

    /// The `--params` text with `--investment` put in, checked to be a JSON object.
    func paramsText() throws(PlatformError) -> String {
        var object = try paramsObject()
        guard let investment else { return params }
        object["investment"] = investment
        return String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(params.utf8), as: UTF8.self)
    }

    /// The `--params` text, checked to be a JSON object.
    func paramsObject() throws(PlatformError) -> [String: Any] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(params.utf8))) as? [String: Any] else {
            throw PlatformError(.invalidInput, "params: must be a JSON object", field: "params")
        }
        return object
    }

    /// The bot as the platform runs it, started at `price` (a DCA bot without an investment gets
    /// the one its preview computes: its maximum capital with fees).
    func spec(symbol: String, timeframe: Timeframe, rules: MarketRules, price: Double, catalog: BotCatalog) async throws(PlatformError) -> BotSpec {
        let kind = try BotKind(parsing: type)
        let wanted = try marketKind()
        let given = (try paramsObject()["investment"] as? NSNumber)?.doubleValue
        var amount = investment ?? given
        if amount == nil, kind == .dca || kind == .dcaFutures {
            let preview = try await catalog.preview(kind, params: try paramsText(), rules: rules, price: price)
            amount = ((try? JSONSerialization.jsonObject(with: Data(preview.utf8))) as? [String: Any])?["investment"] as? Double
        }
        guard let amount else { throw PlatformError(.invalidInput, "investment: is required (in --params or --investment)", field: "investment") }
        var spec = try BotSpec(kind: kind, symbol: symbol, timeframe: timeframe, market: wanted, params: params, investment: amount)
        spec.adopt(validated: try await catalog.validate(kind, params: spec.params, rules: rules, price: price))
        return spec
    }
}

struct BotPreviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "preview",
                                                    abstract: "The bot's initial orders, capital or margin, maximum position and liquidation price.")

    @OptionGroup var bot: BotArguments
    @Option(help: "The start price.") var price: Double
    @OptionGroup var rules: BotRuleOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        do {
            let host = try await StrategyHost()
            let kind = try BotKind(parsing: bot.type)
            let market = try bot.marketKind() ?? kind.market
            let preview = try await BotCatalog(host: host).preview(kind, params: try bot.paramsText(), rules: try rules.marketRules(market),
                                                                   price: price)
            print(json ? preview : BotPreviewOutput.table(preview))
        } catch let e as PlatformError {
            Output.failPlatform(e, json: json)
        } catch let e as StrategyError {
            Output.fail(e, json: json)
        }
        Output.exit(code: 0)
    }
}

enum BotPreviewOutput {
    /// The preview as a table: its figures, then its orders.
    static func table(_ json: String) -> String {
        guard let p = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else { return json }
        var lines: [String] = []
        for key in p.keys.sorted() where !["orders", "params", "lines", "safetyOrders"].contains(key) {
            lines.append(key.padding(toLength: max(30, key.count + 1), withPad: " ", startingAt: 0) + text(p[key]))
        }
        let orders = p["orders"] as? [[String: Any]] ?? []
        lines.append("")
        lines.append("orders (\(orders.count))")
        for o in orders {
            lines.append("  " + ["tag", "side", "type", "price", "quantity", "quote"].map { text(o[$0]) }
                .map { $0.padding(toLength: max(14, $0.count + 1), withPad: " ", startingAt: 0) }.joined())
        }
        return lines.joined(separator: "\n")
    }

    static func text(_ v: Any?) -> String {
        switch v {
        case nil, is NSNull: "—"
        case let s as String: s
        case let n as NSNumber: String(format: "%.10g", n.doubleValue)
        case let o?: Output.json(o)
        }
    }
}
