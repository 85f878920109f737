import GRDB

extension Schema {
    /// Issue 12's integrity migrations: journal entries that cannot be expanded are set aside,
    /// symbols get price and quantity bounds, and a cancellation records how far the subscriber
    /// may still read the strategy's signals.
    static func registerIntegrity(_ m: inout DatabaseMigrator) {
        m.registerMigration("v7-fanout-quarantine") { db in
            // A journal entry that cannot be expanded (malformed, a number the tables refuse) is
            // moved here with its error instead of holding back every entry after it. `changes`
            // holds the part that was set aside: the whole entry, or the changes of the
            // subscriptions that failed (FanoutJournal's format).
            try db.execute(sql: """
                CREATE TABLE fanout_quarantine (
                    execution_id INTEGER PRIMARY KEY REFERENCES executions(id),
                    strategy_id INTEGER NOT NULL,
                    symbol TEXT NOT NULL,
                    candle_time INTEGER NOT NULL,
                    subscriptions INTEGER NOT NULL,
                    changes BLOB NOT NULL,
                    error TEXT NOT NULL,
                    quarantined_at INTEGER NOT NULL
                );
                """)
        }
        m.registerMigration("v8-symbol-bounds") { db in
            // Per-symbol price and quantity bounds, inside the global ones (MarketBounds).
            try db.execute(sql: """
                ALTER TABLE symbol_rules ADD COLUMN min_price REAL NOT NULL DEFAULT 1e-8;
                ALTER TABLE symbol_rules ADD COLUMN max_price REAL NOT NULL DEFAULT 1e9;
                ALTER TABLE symbol_rules ADD COLUMN max_qty REAL NOT NULL DEFAULT 1e15;
                """)
        }
        m.registerMigration("v9-subscription-cancellation") { db in
            // A cancelled subscriber reads the strategy's signals up to its cancellation: the
            // newest signal id when it cancelled. Rows cancelled before this migration get the
            // newest signal of the last execution that gave them an order.
            try db.execute(sql: """
                ALTER TABLE subscriptions ADD COLUMN cancelled_at INTEGER;
                ALTER TABLE subscriptions ADD COLUMN signals_until INTEGER;
                UPDATE subscriptions SET signals_until = COALESCE((
                    SELECT MAX(g.id) FROM signals g WHERE g.execution_id = (SELECT MAX(o.execution_id) FROM orders o WHERE o.subscription_id = subscriptions.id)
                ), 0) WHERE status = 'cancelled';
                """)
        }
    }
}
