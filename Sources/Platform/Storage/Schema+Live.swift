import GRDB

extension Schema {
    /// Live orders (EXCHANGES.md): each order the commit decided for a subscriber whose credential
    /// names a live exchange is recorded here too, in the execution's transaction, with its client
    /// order id and `pending` (outcome unknown) until the exchange's answer is recorded. Every
    /// disagreement start-up reconciliation finds is kept in `live_findings` with its resolution.
    static func registerLive(_ m: inout DatabaseMigrator) {
        m.registerMigration("v12-live-orders") { db in
            try db.execute(sql: """
                CREATE TABLE live_orders (
                    id INTEGER PRIMARY KEY,
                    execution_id INTEGER NOT NULL REFERENCES executions(id),
                    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
                    user_id INTEGER NOT NULL REFERENCES users(id),
                    credential_id TEXT NOT NULL,
                    symbol TEXT NOT NULL,
                    order_no INTEGER NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('place', 'cancel')),
                    client_id TEXT NOT NULL,
                    outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'accepted', 'rejected', 'failed', 'expired')),
                    exchange_state TEXT,
                    exchange_id TEXT,
                    error_code TEXT,
                    exchange_code INTEGER,
                    message TEXT,
                    recorded_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    UNIQUE (kind, client_id)
                );
                CREATE INDEX live_orders_pending ON live_orders(execution_id) WHERE outcome = 'pending';
                CREATE INDEX live_orders_by_subscription ON live_orders(subscription_id, symbol, order_no);
                CREATE TABLE live_findings (
                    id INTEGER PRIMARY KEY,
                    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
                    user_id INTEGER NOT NULL REFERENCES users(id),
                    time INTEGER NOT NULL,
                    disagreement TEXT NOT NULL,
                    resolution TEXT NOT NULL
                );
                CREATE INDEX live_findings_by_subscription ON live_findings(subscription_id);
                CREATE INDEX subscriptions_live ON subscriptions(strategy_id) WHERE broker_credential_id IS NOT NULL AND status = 'active';
                """)
        }
    }
}
