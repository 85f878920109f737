import GRDB

extension Schema {
    /// The order level (ORDERS.md): subscriptions and strategy versions gain a market; symbols gain
    /// a tick, a minimum quantity, fees per market and the maintenance margin; orders keep their
    /// whole life (one row per order, every transition in `order_transitions`); fills; each
    /// subscription's account per symbol; each strategy's reference account and its equity.
    static func registerOrders(_ m: inout DatabaseMigrator) {
        m.registerMigration("v10-order-level") { db in
            // Entries written by the signal-only fan-out are expanded first, with the code that
            // wrote them, so nothing pending is lost.
            _ = try LegacyFanout.projectAll(db)
            try db.execute(sql: """
                ALTER TABLE subscriptions ADD COLUMN market TEXT NOT NULL DEFAULT 'futures' CHECK (market IN ('spot', 'futures'));
                ALTER TABLE strategy_versions ADD COLUMN reference_capital REAL NOT NULL DEFAULT 10000;
                ALTER TABLE strategy_versions ADD COLUMN reference_market TEXT NOT NULL DEFAULT 'futures';
                ALTER TABLE strategy_versions ADD COLUMN reference_leverage REAL NOT NULL DEFAULT 1;
                ALTER TABLE strategy_versions ADD COLUMN reference_risk REAL NOT NULL DEFAULT 0.01;
                ALTER TABLE symbol_rules ADD COLUMN tick_size REAL NOT NULL DEFAULT 0;
                ALTER TABLE symbol_rules ADD COLUMN min_qty REAL NOT NULL DEFAULT 0;
                ALTER TABLE symbol_rules ADD COLUMN spot_maker_fee REAL;
                ALTER TABLE symbol_rules ADD COLUMN spot_taker_fee REAL;
                ALTER TABLE symbol_rules ADD COLUMN futures_maker_fee REAL;
                ALTER TABLE symbol_rules ADD COLUMN futures_taker_fee REAL;
                ALTER TABLE symbol_rules ADD COLUMN mmr REAL NOT NULL DEFAULT 0.005;
                ALTER TABLE symbol_rules ADD COLUMN cum REAL NOT NULL DEFAULT 0;

                -- One row per order: `qty` its (rounded) quantity, `price` the average fill price
                -- (0 before a fill); `status` its state (signal-era rows: filled or skipped).
                ALTER TABLE orders ADD COLUMN order_no INTEGER;
                ALTER TABLE orders ADD COLUMN tag TEXT;
                ALTER TABLE orders ADD COLUMN type TEXT NOT NULL DEFAULT 'market';
                ALTER TABLE orders ADD COLUMN limit_price REAL;
                ALTER TABLE orders ADD COLUMN stop_price REAL;
                ALTER TABLE orders ADD COLUMN reduce_only INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE orders ADD COLUMN filled REAL NOT NULL DEFAULT 0;
                ALTER TABLE orders ADD COLUMN reserved REAL NOT NULL DEFAULT 0;
                ALTER TABLE orders ADD COLUMN oco_group INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE orders ADD COLUMN updated_at INTEGER;
                UPDATE orders SET filled = qty, updated_at = candle_time WHERE status = 'filled';
                CREATE UNIQUE INDEX orders_by_number ON orders(subscription_id, symbol, order_no) WHERE order_no IS NOT NULL;
                CREATE INDEX orders_open ON orders(subscription_id, symbol) WHERE status IN ('new', 'partially-filled');

                CREATE TABLE order_transitions (
                    id INTEGER PRIMARY KEY,
                    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
                    symbol TEXT NOT NULL,
                    order_no INTEGER NOT NULL,
                    from_state TEXT,
                    to_state TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    time INTEGER NOT NULL,
                    execution_id INTEGER NOT NULL
                );
                CREATE INDEX order_transitions_by_order ON order_transitions(subscription_id, symbol, order_no);
                CREATE TABLE fills (
                    id INTEGER PRIMARY KEY,
                    execution_id INTEGER NOT NULL,
                    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
                    user_id INTEGER NOT NULL REFERENCES users(id),
                    symbol TEXT NOT NULL,
                    order_no INTEGER NOT NULL,
                    tag TEXT NOT NULL,
                    side TEXT NOT NULL,
                    price REAL NOT NULL,
                    qty REAL NOT NULL,
                    fee REAL NOT NULL,
                    realised_pnl REAL NOT NULL,
                    position_after REAL NOT NULL,
                    maker INTEGER NOT NULL,
                    liquidation INTEGER NOT NULL,
                    purpose TEXT NOT NULL,
                    time INTEGER NOT NULL
                );
                CREATE INDEX fills_by_subscription ON fills(subscription_id);
                CREATE TABLE accounts (
                    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
                    symbol TEXT NOT NULL,
                    \(accountColumns),
                    PRIMARY KEY (subscription_id, symbol)
                ) WITHOUT ROWID;
                CREATE TABLE reference_accounts (
                    strategy_id INTEGER NOT NULL REFERENCES strategies(id),
                    symbol TEXT NOT NULL,
                    book BLOB NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (strategy_id, symbol)
                ) WITHOUT ROWID;
                CREATE TABLE reference_equity (
                    strategy_id INTEGER NOT NULL REFERENCES strategies(id),
                    symbol TEXT NOT NULL,
                    candle_time INTEGER NOT NULL,
                    equity REAL NOT NULL,
                    PRIMARY KEY (strategy_id, symbol, candle_time)
                ) WITHOUT ROWID;
                """)
            // Positions opened by signals before the order level become futures accounts holding
            // them, with their stop and take-profit as resting reduce-only orders.
            try LegacyFanout.convertOpenPositions(db)
        }
    }

    /// The columns of an account (besides its owner and symbol), as `accounts` stores them.
    static let accountColumns = """
        market TEXT NOT NULL,
                    leverage REAL NOT NULL,
                    quote_free REAL NOT NULL,
                    base_free REAL NOT NULL,
                    base_cost REAL NOT NULL,
                    position_qty REAL NOT NULL,
                    entry_price REAL NOT NULL,
                    margin REAL NOT NULL,
                    liquidation_price REAL NOT NULL,
                    realised_pnl REAL NOT NULL,
                    fees REAL NOT NULL,
                    start_equity REAL NOT NULL,
                    next_order_no INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
        """
}
