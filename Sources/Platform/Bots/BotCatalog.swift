import Foundation
import StrategyRuntime

/// Validation and previews of bots, computed by the bots' own Python (`tradekit.bots.validate` and
/// `preview`) inside the embedded runtime, so an error names the field exactly as the bot's code
/// does (`investment`, `levels`, `rules.tick_size`, …) and a preview is what the bot would place.
///
/// A small built-in tool strategy (`BotCatalog.toolSource`) is loaded once at isolation `shared`
/// (trusted code: only tradekit runs, the user's parameters are data) and called on a one-candle
/// frame at the start price; it leaves its answer in `ctx.state`, which the runtime returns.
public actor BotCatalog {
    let host: StrategyHost
    private var tool: Strategy?

    public init(host: StrategyHost) {
        self.host = host
    }

    /// The preview of a bot of `kind` started at `price`: the initial orders, the capital (or
    /// margin), the maximum position and, on futures, the liquidation price (JSON object text).
    ///
    /// - Throws: `PlatformError.invalidInput` naming the field the bot's validation names
    ///   (`price` for a start price that is not a finite number > 0), `unsupported`-style
    ///   runtime failures as `invalidInput` without a field.
    public func preview(_ kind: BotKind, params: String, rules: MarketRules, price: Double) async throws(PlatformError) -> String {
        try await call("preview", kind, params: params, rules: rules, price: price)
    }

    /// The bot's parameters as it normalises them (defaults filled in), after every check of
    /// BOTS.md: bounds, counts, minimums after rounding, step against fees, leverage.
    ///
    /// - Throws: as `preview`.
    public func validate(_ kind: BotKind, params: String, rules: MarketRules, price: Double) async throws(PlatformError) -> String {
        try await call("validate", kind, params: params, rules: rules, price: price)
    }

    private func call(_ op: String, _ kind: BotKind, params: String, rules: MarketRules, price: Double) async throws(PlatformError) -> String {
        guard MarketBounds.isPrice(price) else {
            throw PlatformError(.invalidInput, "price must be a finite number from 1e-08 to 1e9, got \(price)", field: "price")
        }
        let strategy = try await loadedTool()
        let window = CandleWindow(symbol: "BOT", timeframe: "1m", times: [0], open: [price], high: [price], low: [price], close: [price],
                                  volume: [0])
        let request = "{\"op\":\"\(op)\",\"type\":\"\(kind.rawValue)\",\"price\":\(price),\"params\":\(params)}"
        let outcome: StrategyOutcome
        do {
            outcome = try await host.run(strategy, on: try host.frame(window),
                                         context: StrategyCallContext(paramsJSON: request, rulesJSON: ReferenceStep.rulesJSON(rules)))
        } catch {
            throw PlatformError(.invalidInput, "the bot's \(op) failed: \(error.message)")
        }
        return try Self.answer(outcome.stateJSON, op: op)
    }

    /// The tool's answer from its state: `{"json": "<result>"}` or `{"error": {field, message}}`.
    static func answer(_ stateJSON: String, op: String) throws(PlatformError) -> String {
        guard let state = try? JSONSerialization.jsonObject(with: Data(stateJSON.utf8)) as? [String: Any] else {
            throw PlatformError(.invalidInput, "the bot's \(op) returned no answer")
        }
        if let error = state["error"] as? [String: Any] {
            let field = error["field"] as? String
            throw PlatformError(.invalidInput, "\(field.map { "\($0): " } ?? "")\(error["message"] as? String ?? "invalid parameters")",
                                field: field)
        }
        guard let json = state["json"] as? String else { throw PlatformError(.invalidInput, "the bot's \(op) returned no answer") }
        return json
    }

    private func loadedTool() async throws(PlatformError) -> Strategy {
        if let tool { return tool }
        var limits = StrategyLimits()
        limits.stateBytes = 4 << 20  // a 200-line grid's preview lists 200 orders
        do {
            let loaded = try await host.load(StrategySource(id: "tradectl-bot-tool", code: Self.toolSource, origin: "<bot tool>"),
                                             isolation: .shared, limits: limits)
            tool = loaded
            return loaded
        } catch {
            throw PlatformError(.invalidInput, "the bots' Python does not load (is python/tradekit on the path?): \(error.message)")
        }
    }

    /// The tool strategy: `ctx.params` is the request; the answer goes to `ctx.state`.
    static let toolSource = """
        import json
        import tradekit.bots as _bots
        from tradekit.bots.errors import BotConfigError

        # Every bot's module now, at load, so no preview's timed call pays for an import.
        for _kind in _bots.TYPES:
            _bots.module(_kind)


        def main(data, ctx):
            req = ctx.params
            fn = _bots.preview if req["op"] == "preview" else _bots.validate
            try:
                ctx.state["json"] = json.dumps(fn(req["type"], req["params"], ctx.rules, req["price"]), allow_nan=False)
            except BotConfigError as e:
                ctx.state["error"] = e.to_dict()
            except ValueError as e:
                ctx.state["error"] = {"field": "params", "message": str(e)}
            return None

        """
}
