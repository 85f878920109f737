import Foundation
import Platform
import StrategyRuntime

/// What the bots' pages show: rows of bots, the create form with each kind's example
/// parameters, a preview's figures and orders.
extension Dashboard {
    /// The six bots of python/tradekit/bots: kind, name, summary.
    static let botKinds: [(BotKind, String, String)] = [
        (.grid, "Grid", "Buys and sells on a ladder of price levels inside a range, taking profit on every round trip."),
        (.dca, "DCA", "Enters in steps as the price moves against it, averaging the entry, and exits at a take-profit over the average."),
        (.btd, "BTD", "Buy the dip: a grid that only accumulates the base asset on the way down and sells it back higher."),
        (.loop, "Loop", "A grid that reinvests its profit, in the quote or the base currency."),
        (.dcaFutures, "DCA futures", "DCA on a linear perpetual with leverage, isolated margin and its liquidation price."),
        (.combo, "Combo", "A futures grid with a DCA entry, a trailing take-profit and a stop-loss."),
    ]

    /// Each kind's example parameters and investment at `price` (README's examples, the range
    /// bounds ±10 % around the price).
    static func exampleParams(_ kind: BotKind, price: Double) -> (params: String, investment: String) {
        let lower = Format.qty((price * 0.9 * 100).rounded() / 100), upper = Format.qty((price * 1.1 * 100).rounded() / 100)
        switch kind {
        case .grid: return (#"{"lower": \#(lower), "upper": \#(upper), "levels": 9}"#, "1000")
        case .btd: return (#"{"lower": \#(lower), "upper": \#(upper), "levels": 9}"#, "1000")
        case .dca:
            return (#"{"baseOrder": 100, "safetyOrder": 100, "maxSafetyOrders": 3, "activeSafetyOrders": 3, "deviation": 0.01, "stepScale": 2, "volumeScale": 2, "takeProfit": 0.015}"#,
                    "810")
        case .loop: return (#"{"gap": 0.01, "orders": 10}"#, "1000")
        case .dcaFutures:
            return (#"{"direction": "long", "leverage": 5, "baseOrder": 1000, "safetyOrder": 1000, "maxSafetyOrders": 3, "deviation": 0.02, "takeProfit": 0.01}"#,
                    "1000")
        case .combo: return (#"{"direction": "long", "step": 0.01, "levels": 10, "leverage": 3}"#, "1000")
        }
    }

    /// The create form's fields; the example parameters are those at the newest close of the
    /// form's symbol (100 before the feed has one).
    func formView(_ form: BotForm, desk: BotDesk, invalidParam: String? = nil) async throws -> [String: Any] {
        let timeframe = Timeframe(rawValue: form.timeframe) ?? .m1
        let price = (try? await desk.lastCandle(symbol: form.symbol.uppercased(), timeframe: timeframe).close[0]) ?? 100
        let chosen = (try? BotKind(parsing: form.type)) ?? .grid
        let example = Self.exampleParams(chosen, price: price)
        return [
            "kinds": Self.botKinds.map { kind, name, _ -> [String: Any] in
                let e = Self.exampleParams(kind, price: price)
                return ["value": kind.rawValue, "label": name + " (\(kind.market.rawValue))", "selected": kind == chosen,
                        "investment": e.investment]
            },
            "symbol": form.symbol,
            "timeframes": Timeframe.allCases.map { ["value": $0.rawValue, "selected": $0 == timeframe] },
            "markets": [("", "The bot's own"), ("spot", "spot"), ("futures", "futures")]
                .map { ["value": $0.0, "label": $0.1, "selected": $0.0 == form.market] },
            "paramSets": BotParamField.sets(chosen: chosen, values: form.paramFields, examples: { kind in
                let json = Self.exampleParams(kind, price: price).params
                return (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
            }, invalid: invalidParam),
            "investment": form.investment ?? example.investment, "public": form.isPublic,
        ]
    }

    /// One of the user's bots, as a card on the list and the head of its page.
    func botRow(_ r: BotReport) -> [String: Any] {
        let name = Self.botKinds.first { $0.0 == r.bot.kind }?.1 ?? r.bot.kind.rawValue
        let currency = r.status.currency == "quote" ? "" : " " + r.status.currency
        var row: [String: Any] = [
            "id": r.bot.id, "title": "\(name) bot · \(r.bot.symbol)", "type": r.bot.kind.rawValue, "name": name, "symbol": r.bot.symbol,
            "timeframe": r.bot.timeframe.rawValue, "market": r.bot.market.rawValue, "status": r.state, "running": r.state == "running",
            "stopped": r.state == "stopped" || r.state == "ended", "endedReason": r.status.endedReason ?? "", "public": r.bot.isPublic,
            "investment": Format.money(r.bot.investment), "capital": Format.money(r.bot.capital),
            "realised": (r.status.currency == "quote" ? Format.signedMoney(r.status.realised) : Format.qty(r.status.realised)) + currency,
            "realisedTone": Format.tone(r.status.realised),
            "unrealised": r.unrealisedPnl.map(Format.signedMoney) ?? "–", "unrealisedTone": Format.tone(r.unrealisedPnl ?? 0),
            "total": Format.signedMoney(r.totalPnl), "totalTone": Format.tone(r.totalPnl), "fees": Format.money(r.status.fees),
            "openOrders": r.openOrders.count,
            "counterLabel": r.bot.kind.counter == "deals" ? "Deals" : "Round trips",
            "counter": r.bot.kind.counter == "deals" ? r.status.deals : r.status.roundTrips,
            "created": Format.time(r.bot.createdAt),
        ]
        if r.bot.market == .futures { row["liquidation"] = r.liquidationPrice.map(Format.price) ?? "none" }
        return row
    }

    /// Another user's public bot.
    func publicRow(_ bot: BotRecord, owner: String) -> [String: Any] {
        let name = Self.botKinds.first { $0.0 == bot.kind }?.1 ?? bot.kind.rawValue
        return ["id": bot.id, "title": "\(name) bot · \(bot.symbol)", "name": name, "symbol": bot.symbol, "timeframe": bot.timeframe.rawValue,
                "market": bot.market.rawValue, "status": bot.status.rawValue, "author": Self.displayName(owner),
                "botCapital": Format.money(bot.capital), "created": Format.time(bot.createdAt)]
    }

    /// The newest 50 public bots of users other than `user`.
    func publicBots(except user: Int64?) throws -> [[String: Any]] {
        let bots = try db.publicBots(except: user, limit: 50)
        let names = try db.userNames(ids: Set(bots.map(\.ownerID)))
        return bots.map { publicRow($0, owner: names[$0.ownerID] ?? "user \($0.ownerID)") }
    }

    /// A preview's figures (capital, margin, maximum position, liquidation price, …) and orders.
    func previewView(_ reply: [String: Any]) -> [String: Any] {
        let preview = reply["preview"] as? [String: Any] ?? [:]
        let skip: Set = ["type", "market", "price", "params", "orders", "profitCurrency", "lines"]
        var figures: [[String: Any]] = []
        for key in preview.keys.sorted() where !skip.contains(key) {
            guard let text = Self.figure(preview[key]) else { continue }
            figures.append(["label": Self.words(key), "value": text])
        }
        let orders = (preview["orders"] as? [[String: Any]] ?? []).map { o -> [String: Any] in
            ["tag": o["tag"] as? String ?? "", "side": o["side"] as? String ?? "", "type": o["type"] as? String ?? "",
             "price": Self.figure(o["price"]) ?? "", "qty": (o["quantity"] as? NSNumber).map { Format.qty($0.doubleValue) } ?? "",
             "quote": Self.figure(o["quote"]) ?? "", "reduceOnly": o["reduceOnly"] as? Bool ?? false]
        }
        return ["price": Self.figure(reply["price"]) ?? "", "profitCurrency": preview["profitCurrency"] as? String ?? "quote",
                "figures": figures, "orders": orders, "orderCount": orders.count]
    }

    /// A number, or an object of numbers ("quantity 1.2 · at price 90"), as text.
    static func figure(_ value: Any?) -> String? {
        switch value {
        case let n as NSNumber: return Format.price(n.doubleValue)
        case let s as String: return s
        case let d as [String: Any]:
            let parts = d.keys.sorted().compactMap { k in figure(d[k]).map { words(k).lowercased() + " " + $0 } }
            return parts.isEmpty ? nil : parts.joined(separator: " · ")
        default: return nil
        }
    }

    /// `maxPosition` → "max position".
    static func words(_ key: String) -> String {
        var out = ""
        for c in key {
            if c.isUppercase { out += " " + c.lowercased() } else { out.append(c) }
        }
        return out.prefix(1).uppercased() + out.dropFirst()
    }

    static func prettyJSON(_ text: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) else { return text }
        return String(decoding: data, as: UTF8.self)
    }
}

/// The create form as posted: its fields, and the API body they make (or the field in error).
struct BotForm: Sendable {
    var type = BotKind.grid.rawValue
    var symbol = "BTCUSDT"
    var timeframe = Timeframe.m1.rawValue
    var market = ""
    /// Parameters as a JSON object (an API-style post); the form's own fields otherwise.
    var params: String?
    /// The form's parameter fields (`p.<kind>.<name>`), as posted.
    var paramFields: [String: String]?
    var investment: String?
    var isPublic = false

    static let initial = BotForm()

    init() {}

    init(_ form: FormData) {
        type = form.text("type") ?? type
        symbol = form.text("symbol") ?? ""
        timeframe = form.text("timeframe") ?? timeframe
        market = form.text("market") ?? ""
        params = form["params"].flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        paramFields = form.fields.filter { $0.key.hasPrefix("p.") }
        investment = form["investment"] ?? ""
        isPublic = form.flag("public")
    }

    /// The parameters and the investment parsed, or the first field that does not parse.
    private var parsed: Result<(params: Any, investment: Double), FieldProblem> {
        let object: Any
        if let params {
            guard let json = try? JSONSerialization.jsonObject(with: Data(params.utf8)), json is [String: Any] else {
                return .failure(FieldProblem(field: "params", detail: "params must be a JSON object, e.g. {\"lower\": 90, \"upper\": 110, \"levels\": 6}"))
            }
            object = json
        } else {
            guard let kind = try? BotKind(parsing: type) else { return .failure(FieldProblem(field: "type", detail: "unknown bot type '\(type)'")) }
            switch BotParamField.params(kind, from: paramFields ?? [:]) {
            case .success(let fields): object = fields
            case .failure(let problem): return .failure(problem)
            }
        }
        guard let amount = Double((investment ?? "").trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: "")) else {
            return .failure(FieldProblem(field: "investment", detail: "investment must be a number"))
        }
        return .success((object, amount))
    }

    /// The body of `POST /api/bots` (and `/preview`), nil when a field does not parse (`problem`).
    var body: [String: Any]? {
        guard case .success(let p) = parsed else { return nil }
        var body: [String: Any] = ["type": type, "symbol": symbol, "timeframe": timeframe, "params": p.params, "investment": p.investment,
                                   "public": isPublic]
        if !market.isEmpty { body["market"] = market }
        return body
    }

    var problem: (field: String, detail: String)? {
        guard case .failure(let f) = parsed else { return nil }
        return (f.field, f.detail)
    }

    struct FieldProblem: Error {
        var field: String
        var detail: String
    }
}
