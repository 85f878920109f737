import Foundation
import GRDB

/// Rows for the operator commands, as column name → text.
public typealias ListingRow = [String: String]

extension PlatformDatabase {
    public enum Listing: Sendable {
        case users
        case user(Int64)
        case strategies
        case strategy(Int64)
        /// A user's subscriptions: scoped by the user.
        case subscriptions(user: Int64)
        case subscription(user: Int64, id: Int64)
        case executions(strategy: Int64?, limit: Int)
        case execution(Int64)
    }

    /// The rows of one listing, newest first where that matters.
    public func listing(_ what: Listing) throws(PlatformError) -> [ListingRow] {
        let (sql, args): (String, StatementArguments) = switch what {
        case .users: ("SELECT id, name, created_at FROM users ORDER BY id", [])
        case .user(let id): ("SELECT u.id, u.name, u.created_at, (SELECT COUNT(*) FROM subscriptions WHERE user_id = u.id) AS subscriptions, (SELECT COUNT(*) FROM strategies WHERE owner_id = u.id) AS strategies FROM users u WHERE u.id = ?", [id])
        case .strategies: ("SELECT s.id, s.name, s.owner_id, s.deleted, (SELECT MAX(version) FROM strategy_versions WHERE strategy_id = s.id) AS version, (SELECT COUNT(*) FROM subscriptions WHERE strategy_id = s.id AND status = 'active') AS active_subscribers, s.paused_reason FROM strategies s ORDER BY s.id", [])
        case .strategy(let id): ("SELECT v.strategy_id, v.id AS version_id, v.version, v.symbols, v.timeframe, v.lookback, v.isolation, v.params, v.created_at, s.paused_reason, s.paused_at FROM strategy_versions v JOIN strategies s ON s.id = v.strategy_id WHERE v.strategy_id = ? ORDER BY v.version", [id])
        case .subscriptions(let user): ("SELECT id, strategy_id, capital, risk_per_trade, leverage, allow_short, status, created_at FROM subscriptions WHERE user_id = ? ORDER BY id", [user])
        case .subscription(let user, let id): ("SELECT s.id, s.strategy_id, s.capital, s.risk_per_trade, s.leverage, s.allow_short, s.status, (SELECT COUNT(*) FROM orders WHERE subscription_id = s.id) AS orders, (SELECT COUNT(*) FROM positions WHERE subscription_id = s.id AND status = 'closed') AS trades, (SELECT COALESCE(SUM(pnl), 0) FROM positions WHERE subscription_id = s.id AND status = 'closed') AS realised_pnl FROM subscriptions s WHERE s.id = ? AND s.user_id = ?", [id, user])
        case .executions(let strategy?, let limit): ("SELECT e.id, e.strategy_version_id, e.symbol, e.timeframe, e.candle_time, e.status, e.worker, e.strategy_us, e.commit_us FROM executions e JOIN strategy_versions v ON v.id = e.strategy_version_id WHERE v.strategy_id = ? ORDER BY e.candle_time DESC, e.id DESC LIMIT ?", [strategy, limit])
        case .executions(nil, let limit): ("SELECT id, strategy_version_id, symbol, timeframe, candle_time, status, worker, strategy_us, commit_us FROM executions ORDER BY candle_time DESC, id DESC LIMIT ?", [limit])
        case .execution(let id): ("SELECT * FROM executions WHERE id = ?", [id])
        }
        let rows: [ListingRow] = try read { db in
            try Row.fetchAll(db, sql: sql, arguments: args).map { row in
                var out: ListingRow = [:]
                for (column, value) in row { out[column] = value.isNull ? "" : value.description.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
                return out
            }
        }
        switch what {
        case .user, .strategy, .subscription, .execution:
            if rows.isEmpty { throw PlatformError(.notFound, "no such row (or not yours)") }
        default: break
        }
        return rows
    }
}
