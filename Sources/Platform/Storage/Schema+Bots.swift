import GRDB

extension Schema {
    /// Bots (BOTS.md): each is a strategy (the generated wrapper) with its owner's subscription; this
    /// table holds what makes it a bot — its kind, market, investment, whether it may be copied,
    /// and whether its owner stopped it.
    static func registerBots(_ m: inout DatabaseMigrator) {
        m.registerMigration("v11-bots") { db in
            try db.execute(sql: """
                CREATE TABLE bots (
                    strategy_id INTEGER PRIMARY KEY REFERENCES strategies(id),
                    owner_id INTEGER NOT NULL REFERENCES users(id),
                    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
                    type TEXT NOT NULL,
                    symbol TEXT NOT NULL,
                    timeframe TEXT NOT NULL,
                    market TEXT NOT NULL CHECK (market IN ('spot', 'futures')),
                    investment REAL NOT NULL,
                    capital REAL NOT NULL,
                    public INTEGER NOT NULL DEFAULT 0,
                    status TEXT NOT NULL CHECK (status IN ('running', 'stopped', 'deleted')),
                    stop_reason TEXT,
                    closed_position INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX bots_by_owner ON bots(owner_id, status);
                """)
        }
    }
}
