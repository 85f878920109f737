import Foundation
import Hummingbird
import Platform
import StrategyRuntime

extension PlatformAPI {
    /// Takes an alert for a webhook strategy and fans it out like a candle signal: one execution
    /// keyed by (version, symbol, timeframe, alert time), so a repeated alert is taken once.
    func webhook(_ req: Request, _ ctx: APIContext) async throws -> Response {
        guard let token = ctx.parameters.get("token"), token.count <= 128, let strategy = try db.webhookStrategy(token: token) else {
            throw Problem(.notFound, "no webhook strategy has this token")
        }
        let body = try await Input.body(WebhookBody.self, req, ctx)
        let action: Signal.Action
        switch body.action.lowercased() {
        case "buy", "long": action = .buy
        case "sell", "short": action = .sell
        case "close", "exit", "flat": action = .close
        default: throw invalid("action", "action must be buy, sell or close (or long, short, exit, flat)")
        }
        let symbol = try SymbolGrammar.normalized(body.symbol)
        guard strategy.version.spec.symbols.contains(symbol) else {
            throw invalid("symbol", "this strategy trades \(strategy.version.spec.symbols.joined(separator: ", ")), not \(symbol)")
        }
        // Prices inside the symbol's range (within 1e-8 … 1e9): a price of 1e-320 once sized to
        // an infinite quantity and a NaN fee.
        let rules = try await coordinator?.settings.rules(symbol) ?? db.rules(symbol: symbol)
        for (name, value) in [("price", Optional(body.price)), ("stopLoss", body.stopLoss), ("takeProfit", body.takeProfit)] {
            if let v = value, !(v >= rules.minPrice && v <= rules.maxPrice) {
                throw invalid(name, "\(name) must be a price from \(rules.minPrice) to \(rules.maxPrice) for \(symbol), got \(v)")
            }
        }
        let signal = Signal(action: action, entryPrice: body.price, stopLoss: action == .close ? nil : body.stopLoss,
                            takeProfit: action == .close ? nil : body.takeProfit, symbol: symbol)
        do {
            try signal.validate()
        } catch {
            throw invalid(error.field == "entryPrice" ? "price" : error.field ?? "price", error.message)
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let time = try body.time.map(Self.alertTime) ?? now
        guard now - time <= strategy.maxLagMillis else {
            throw Problem(.unprocessableContent, "stale alert: sent \((now - time) / 1000) s ago, max lag is \(strategy.maxLagMillis / 1000) s",
                          field: "time", code: "stale-signal")
        }
        guard time - now <= 60_000 else { throw invalid("time", "time is more than 60 s in the future") }
        guard let coordinator else { throw Problem(.serviceUnavailable, "webhooks need the executor (tradectl serve)") }
        let bar = CandleWindow(symbol: symbol, timeframe: strategy.version.spec.timeframe.rawValue, times: [time], open: [body.price],
                               high: [body.price], low: [body.price], close: [body.price], volume: [0])
        let report = try await coordinator.commit(signals: [signal], version: strategy.version, window: bar)
        let accepted = if case .committed = report.outcome { true } else { false }
        return try JSONBody.response(WebhookView(strategyId: strategy.id, executionId: report.executionID, accepted: accepted,
                                                 ordersFilled: report.ordersFilled, ordersSkipped: report.ordersSkipped), status: .accepted)
    }

    /// An alert's time as epoch milliseconds: an epoch number (seconds, milliseconds, microseconds
    /// or nanoseconds, told apart by magnitude) or ISO-8601 text, read by `EpochTime` as candle
    /// files are.
    ///
    /// - Throws: `Problem` 422 `invalid-input` on `time` for anything else, or a time at or before 1970.
    static func alertTime(_ value: JSONValue) throws -> Int64 {
        let ms: Int64? = switch value {
        case .number(let n): EpochTime.milliseconds(epoch: n)
        case .string(let s): EpochTime.milliseconds(text: s)
        default: nil
        }
        guard let ms, ms > 0 else {
            throw Problem(.unprocessableContent, "time must be an epoch number (s, ms, µs or ns) or ISO 8601", field: "time", code: "invalid-input")
        }
        return ms
    }

    func invalid(_ field: String, _ detail: String) -> Problem {
        Problem(.unprocessableContent, detail, field: field, code: "invalid-input")
    }
}
