import Foundation
import Platform
import StrategyRuntime

extension Dashboard {
    static let listPageSize = 20

    var strategyListRoutes: [Route] {
        [
            page(.get, "/strategies", auth: false) { req in
                try self.html("strategies", try await self.strategyList(req), req, title: "Strategies", section: "strategies")
            },
        ]
    }

    /// The public listing: search, filters, a sort and one page of rows.
    func strategyList(_ req: PageRequest) async throws -> [String: Any] {
        let text = String((req.query("q") ?? "").prefix(100))
        let symbol: String? = req.query("symbol").flatMap { s in
            s.count <= 32 && s.allSatisfy { $0.isLetter || $0.isNumber } ? s.uppercased() : nil
        }
        let timeframe: Timeframe? = req.query("timeframe").flatMap(Timeframe.init(rawValue:))
        let author: String? = req.query("author").flatMap { $0.count <= 64 ? $0 : nil }
        let asked = req.query("sort") ?? "newest"
        let sort: String = ["newest", "subscribers", "return", "drawdown"].contains(asked) ? asked : "newest"
        let pageNumber = max(1, min(Int(req.query("page") ?? "") ?? 1, 100_000))
        let filter = StrategyFilter(text: text, symbol: symbol, timeframe: timeframe, author: author)
        let size = Self.listPageSize

        var rows: [(StrategySummary, ReferencePerformance)] = []
        let total: Int
        if sort == "return" || sort == "drawdown" {
            let all = try db.searchStrategies(filter, order: .newest, limit: 5_000, offset: 0)
            var scored: [(StrategySummary, ReferencePerformance)] = []
            for s in all.items { scored.append((s, try await performance(s))) }
            scored.sort { a, b in
                sort == "return" ? a.1.stats.returnPct > b.1.stats.returnPct : a.1.stats.maxDrawdownPct < b.1.stats.maxDrawdownPct
            }
            rows = Array(scored.dropFirst((pageNumber - 1) * size).prefix(size))
            total = all.total
        } else {
            let found = try db.searchStrategies(filter, order: sort == "subscribers" ? .subscribers : .newest, limit: size,
                                                offset: (pageNumber - 1) * size)
            for s in found.items { rows.append((s, try await performance(s))) }
            total = found.total
        }
        let names = try db.userNames(ids: Set(rows.map(\.0.ownerID)))
        let facets = try db.strategyFacets()
        let pages = max(1, (total + size - 1) / size)
        var query: [String: String] = ["q": text, "sort": sort]
        query["symbol"] = symbol
        query["timeframe"] = timeframe?.rawValue
        query["author"] = author
        func link(_ page: Int) -> String {
            query["page"] = String(page)
            return "/strategies?" + query.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }
                .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        }
        return [
            "q": text, "total": total, "plural": total == 1 ? "" : "s",
            "rows": rows.map { s, perf in self.strategyRow(s, perf, author: names[s.ownerID] ?? "user \(s.ownerID)") },
            "empty": rows.isEmpty,
            "symbols": facets.symbols.map { ["value": $0, "selected": $0 == symbol] },
            "timeframes": facets.timeframes.map { ["value": $0, "selected": $0 == timeframe?.rawValue] },
            "authors": facets.authors.map { ["value": $0, "label": Self.displayName($0), "selected": $0 == author] },
            "sorts": [("newest", "Newest"), ("return", "Return"), ("drawdown", "Smallest drawdown"), ("subscribers", "Subscribers")]
                .map { ["value": $0.0, "label": $0.1, "selected": $0.0 == sort] },
            "page": pageNumber, "pages": pages,
            "prev": pageNumber > 1 ? link(pageNumber - 1) : "", "next": pageNumber < pages ? link(pageNumber + 1) : "",
        ]
    }

    func strategyRow(_ s: StrategySummary, _ perf: ReferencePerformance, author: String) -> [String: Any] {
        [
            "id": s.id, "name": s.name, "author": Self.displayName(author),
            "description": s.description.count > 160 ? String(s.description.prefix(157)) + "…" : s.description,
            "symbols": s.version.spec.symbols.joined(separator: ", "), "timeframe": s.version.spec.timeframe.rawValue,
            "webhook": s.kind == .webhook, "subscribers": s.activeSubscribers,
            "return": Format.signedPct(perf.stats.returnPct), "returnTone": Format.tone(perf.stats.returnPct),
            "drawdown": Format.pct(perf.stats.maxDrawdownPct), "trades": perf.stats.trades,
            "spark": EquityChart.sparkline(perf.curve, capital: ReferenceAccount.capital),
        ]
    }
}
