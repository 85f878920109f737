import Foundation
import Platform
import StrategyRuntime

extension Dashboard {
    var strategyRoutes: [Route] {
        [
            page(.get, "/strategies/{id}", auth: false) { req in
                let s = try self.db.strategySummary(id: try req.id("id"), viewer: req.session.user)
                let content = try await self.strategyDetail(s, req)
                return try self.html("strategy", content, req, title: s.name, section: "strategies", live: content["live"] as? Bool ?? false)
            },
        ]
    }

    func strategyDetail(_ s: StrategySummary, _ req: PageRequest) async throws -> [String: Any] {
        let viewer = req.session.user
        let owner = viewer == s.ownerID
        let mine = try viewer.map { try db.subscriptions(userID: $0).filter { $0.strategyID == s.id } } ?? []
        let live = mine.first { $0.status != .cancelled }
        // Signals are for the owner and subscribers, exactly as GET …/strategies/{id}/signals.
        let signals = try viewer.flatMap { try visibleSignals(viewer: $0, strategyID: s.id) }
        let perf = try await performance(s)
        let symbol = s.version.spec.symbols.first ?? ""
        let bars = try await recentBars(symbol: symbol, timeframe: s.version.spec.timeframe)
        let author = try db.userNames(ids: [s.ownerID])[s.ownerID] ?? "user \(s.ownerID)"
        var content: [String: Any] = [
            "id": s.id, "name": s.name, "description": s.description, "author": Self.displayName(author),
            "symbols": s.version.spec.symbols.joined(separator: ", "), "timeframe": s.version.spec.timeframe.rawValue,
            "lookback": s.version.spec.lookback, "version": s.version.version, "subscribers": s.activeSubscribers,
            "webhook": s.kind == .webhook, "owner": owner, "signedIn": viewer != nil,
            "canSubscribe": viewer != nil && live == nil, "subscriptionId": live?.id ?? 0, "subscribed": live != nil,
            "canBacktest": owner && s.kind == .code && services.host != nil,
            "stats": statsView(perf.stats), "referenceCapital": Format.money(ReferenceAccount.capital),
            "equityChart": EquityChart(id: "eq", curve: perf.curve, capital: ReferenceAccount.capital,
                                       title: "Equity and drawdown of the reference account").render(),
            "live": live != nil,
        ]
        if let signals {
            content["canSeeSignals"] = true
            content["signals"] = signals.items.map(signalRow)
            content["noSignals"] = signals.items.isEmpty
            content["candleChart"] = CandleChart(id: "cc", bars: bars, markers: CandleChart.markers(trades: perf.trades, open: perf.open),
                                                 title: "\(symbol) \(s.version.spec.timeframe.rawValue) candles with the reference account's entries and exits").render()
        }
        if owner {
            content["versions"] = try db.strategyVersions(strategyID: s.id).reversed().map { v -> [String: Any] in
                ["version": v.version, "timeframe": v.spec.timeframe.rawValue, "symbols": v.spec.symbols.joined(separator: ", "),
                 "lookback": v.spec.lookback, "current": v.id == s.version.id]
            }
            content["executions"] = try db.executions(ownerID: s.ownerID, strategyID: s.id, limit: 10, offset: 0).items.map { e -> [String: Any] in
                ["time": Format.time(e.candleTime), "symbol": e.symbol, "status": e.status, "ok": e.status == "ok",
                 "error": e.errorMessage ?? "", "micros": e.strategyMicros.map { "\($0) µs" } ?? "–"]
            }
            if s.kind == .webhook {
                content["webhookPath"] = "/webhooks/" + (try db.webhookToken(ownerID: s.ownerID, strategyID: s.id) ?? "")
            }
        }
        return content
    }

    /// The strategy's newest signals if `viewer` may see them (its owner or a subscriber), else nil.
    func visibleSignals(viewer: Int64, strategyID: Int64) throws -> Page<SignalEntry>? {
        do {
            return try db.signals(viewerID: viewer, strategyID: strategyID, limit: 20, offset: 0)
        } catch {
            if error.code == .forbidden { return nil }
            throw error
        }
    }

    func statsView(_ t: TradeStats) -> [String: Any] {
        ["trades": t.trades, "winRate": Format.pct(t.winRate * 100, decimals: 1),
         "realised": Format.signedMoney(t.realisedPnl), "realisedTone": Format.tone(t.realisedPnl),
         "unrealised": Format.signedMoney(t.unrealisedPnl), "unrealisedTone": Format.tone(t.unrealisedPnl),
         "pnl": Format.signedMoney(t.realisedPnl + t.unrealisedPnl), "pnlTone": Format.tone(t.realisedPnl + t.unrealisedPnl),
         "return": Format.signedPct(t.returnPct), "returnTone": Format.tone(t.returnPct),
         "drawdown": Format.pct(t.maxDrawdownPct), "profitFactor": t.profitFactor.map { String(format: "%.2f", $0) } ?? "–"]
    }

    func signalRow(_ g: SignalEntry) -> [String: Any] {
        ["id": g.id, "time": Format.time(g.candleTime), "symbol": g.symbol, "action": g.action, "actionClass": g.action.lowercased(),
         "entry": Format.price(g.entryPrice), "stop": g.stopLoss.map(Format.price) ?? "–", "target": g.takeProfit.map(Format.price) ?? "–"]
    }
}
