import Foundation
import GRDB
import StrategyRuntime

/// What a strategy listing is narrowed to: the dashboard's search and filters.
package struct StrategyFilter: Sendable, Equatable {
    /// Words that must appear in the name or description (case-insensitive).
    package var text: String = ""
    /// A symbol the newest version trades.
    package var symbol: String?
    package var timeframe: Timeframe?
    /// The author's user name.
    package var author: String?

    package init(text: String = "", symbol: String? = nil, timeframe: Timeframe? = nil, author: String? = nil) {
        self.text = text
        self.symbol = symbol
        self.timeframe = timeframe
        self.author = author
    }
}

/// The order of a strategy listing that SQL can give; return and drawdown are sorted by the caller.
package enum StrategyOrder: Sendable {
    case newest, subscribers

    var sql: String {
        switch self {
        case .newest: "s.id DESC"
        case .subscribers: "active_subscribers DESC, s.id DESC"
        }
    }
}

/// A signal as a strategy's public performance replays it.
package struct ReferenceSignal: Sendable, Equatable {
    package var id: Int64
    package var candleTime: Int64
    package var action: Signal.Action
    package var entryPrice: Double
    package var stopLoss: Double?
    package var takeProfit: Double?

    package init(id: Int64, candleTime: Int64, action: Signal.Action, entryPrice: Double, stopLoss: Double? = nil, takeProfit: Double? = nil) {
        self.id = id
        self.candleTime = candleTime
        self.action = action
        self.entryPrice = entryPrice
        self.stopLoss = stopLoss
        self.takeProfit = takeProfit
    }
}

extension PlatformDatabase {
    /// Live strategies matching `filter` (bots apart), without their source.
    package func searchStrategies(_ filter: StrategyFilter, order: StrategyOrder, limit: Int, offset: Int) throws(PlatformError) -> Page<StrategySummary> {
        var clauses = ["s.deleted = 0", Self.notABotSQL]
        var args: StatementArguments = []
        for word in filter.text.split(whereSeparator: \.isWhitespace).prefix(8) {
            clauses.append("(s.name LIKE ? ESCAPE '\\' OR s.description LIKE ? ESCAPE '\\')")
            let pattern = "%" + Self.likeEscaped(String(word)) + "%"
            args += [pattern, pattern]
        }
        if let symbol = filter.symbol {
            clauses.append("(',' || v.symbols || ',') LIKE ? ESCAPE '\\'")
            args += ["%," + Self.likeEscaped(symbol.uppercased()) + ",%"]
        }
        if let tf = filter.timeframe {
            clauses.append("v.timeframe = ?")
            args += [tf.rawValue]
        }
        if let author = filter.author {
            clauses.append("s.owner_id = (SELECT id FROM users WHERE name = ?)")
            args += [author]
        }
        let clause = clauses.joined(separator: " AND ")
        return try read { db in
            let total = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM strategies s JOIN strategy_versions v ON v.strategy_id = s.id
                     AND v.version = (SELECT MAX(version) FROM strategy_versions WHERE strategy_id = s.id)
                WHERE \(clause)
                """, arguments: args) ?? 0
            let items = try Self.summaries(db, where: clause, args, limit: limit, offset: offset, withSource: false, orderBy: order.sql)
            return Page(items: items, total: total, limit: limit, offset: offset)
        }
    }

    /// The names of users by id (authors shown beside their strategies).
    package func userNames(ids: Set<Int64>) throws(PlatformError) -> [Int64: String] {
        guard !ids.isEmpty else { return [:] }
        return try read { db in
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            var out: [Int64: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, name FROM users WHERE id IN (\(marks))", arguments: StatementArguments(Array(ids))) {
                out[row[0]] = row[1]
            }
            return out
        }
    }

    /// The facets a listing can be filtered on: authors with live strategies, and the symbols and
    /// timeframes their newest versions use.
    package func strategyFacets() throws(PlatformError) -> (authors: [String], symbols: [String], timeframes: [String]) {
        try read { db in
            let authors = try String.fetchAll(db, sql: """
                SELECT DISTINCT u.name FROM users u JOIN strategies s ON s.owner_id = u.id WHERE s.deleted = 0 ORDER BY u.name LIMIT 500
                """)
            let rows = try Row.fetchAll(db, sql: """
                SELECT DISTINCT v.symbols, v.timeframe FROM strategies s JOIN strategy_versions v ON v.strategy_id = s.id
                     AND v.version = (SELECT MAX(version) FROM strategy_versions WHERE strategy_id = s.id)
                WHERE s.deleted = 0
                """)
            var symbols = Set<String>(), timeframes = Set<String>()
            for r in rows {
                for s in (r[0] as String).split(separator: ",") { symbols.insert(String(s)) }
                timeframes.insert(r[1])
            }
            let order = Timeframe.allCases.map(\.rawValue)
            return (authors, symbols.sorted(), timeframes.sorted { (order.firstIndex(of: $0) ?? 99) < (order.firstIndex(of: $1) ?? 99) })
        }
    }

    /// Signals of a strategy on one symbol and timeframe since `from` (candle open time), oldest
    /// first: the input of the strategy's public performance (its signals on a reference account).
    /// The caller shows them as a curve to everyone and as rows only to whom `signals(viewerID:…)`
    /// allows.
    package func referenceSignals(strategyID: Int64, symbol: String, timeframe: Timeframe, from: Int64,
                                  limit: Int = 5_000) throws(PlatformError) -> [ReferenceSignal] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT g.id, e.candle_time, g.action, g.entry_price, g.stop_loss, g.take_profit
                FROM executions e JOIN signals g ON g.execution_id = e.id
                WHERE e.strategy_version_id IN (SELECT id FROM strategy_versions WHERE strategy_id = ?)
                  AND e.symbol = ? AND e.timeframe = ? AND e.candle_time >= ?
                ORDER BY e.candle_time, g.id LIMIT ?
                """, arguments: [strategyID, symbol, timeframe.rawValue, from, limit]).compactMap { r in
                guard let action = Signal.Action(rawValue: r[2]) else { return nil }
                return ReferenceSignal(id: r[0], candleTime: r[1], action: action, entryPrice: r[3], stopLoss: r[4], takeProfit: r[5])
            }
        }
    }

    static func likeEscaped(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }
}

extension PlatformDatabase {
    /// Strategy names by id, deleted strategies included (a subscription outlives its strategy).
    package func strategyNames(ids: Set<Int64>) throws(PlatformError) -> [Int64: (name: String, deleted: Bool)] {
        guard !ids.isEmpty else { return [:] }
        return try read { db in
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            var out: [Int64: (String, Bool)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, name, deleted FROM strategies WHERE id IN (\(marks))",
                                        arguments: StatementArguments(Array(ids))) {
                out[row[0]] = (row[1], row[2])
            }
            return out
        }
    }
}
