import GRDB

/// The database schema, as versioned migrations. A migration, once released, never changes:
/// later changes are new migrations.
enum Schema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-core") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE strategies (
                    id INTEGER PRIMARY KEY,
                    owner_id INTEGER NOT NULL REFERENCES users(id),
                    name TEXT NOT NULL,
                    deleted INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX strategies_owner ON strategies(owner_id);
                CREATE TABLE strategy_versions (
                    id INTEGER PRIMARY KEY,
                    strategy_id INTEGER NOT NULL REFERENCES strategies(id),
                    version INTEGER NOT NULL,
                    source TEXT NOT NULL,
                    params TEXT NOT NULL DEFAULT '{}',
                    symbols TEXT NOT NULL,
                    timeframe TEXT NOT NULL,
                    lookback INTEGER NOT NULL DEFAULT 200,
                    isolation TEXT NOT NULL DEFAULT 'shared',
                    created_at INTEGER NOT NULL,
                    UNIQUE(strategy_id, version)
                );
                CREATE TABLE subscriptions (
                    id INTEGER PRIMARY KEY,
                    user_id INTEGER NOT NULL REFERENCES users(id),
                    strategy_id INTEGER NOT NULL REFERENCES strategies(id),
                    capital REAL NOT NULL CHECK (capital > 0),
                    risk_per_trade REAL NOT NULL CHECK (risk_per_trade > 0 AND risk_per_trade <= 1),
                    leverage REAL NOT NULL CHECK (leverage >= 1 AND leverage <= 125),
                    allow_short INTEGER NOT NULL DEFAULT 1,
                    broker_credential_id TEXT,
                    status TEXT NOT NULL CHECK (status IN ('active', 'paused', 'cancelled')),
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX subscriptions_strategy ON subscriptions(strategy_id, status);
                CREATE INDEX subscriptions_user ON subscriptions(user_id);
                CREATE TABLE candles (
                    symbol TEXT NOT NULL,
                    timeframe TEXT NOT NULL,
                    open_time INTEGER NOT NULL,
                    open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL,
                    volume REAL NOT NULL,
                    PRIMARY KEY (symbol, timeframe, open_time)
                ) WITHOUT ROWID;
                CREATE TABLE symbol_rules (
                    symbol TEXT PRIMARY KEY,
                    lot_step REAL NOT NULL DEFAULT 0,
                    min_notional REAL NOT NULL DEFAULT 0
                );
                CREATE TABLE executions (
                    id INTEGER PRIMARY KEY,
                    strategy_version_id INTEGER NOT NULL REFERENCES strategy_versions(id),
                    symbol TEXT NOT NULL,
                    timeframe TEXT NOT NULL,
                    candle_time INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    error_message TEXT,
                    traceback TEXT,
                    stdout TEXT NOT NULL DEFAULT '',
                    stderr TEXT NOT NULL DEFAULT '',
                    worker TEXT,
                    lock_us INTEGER, data_us INTEGER, strategy_us INTEGER, fanout_us INTEGER, commit_us INTEGER,
                    created_at INTEGER NOT NULL,
                    UNIQUE (strategy_version_id, symbol, timeframe, candle_time)
                );
                CREATE TABLE signals (
                    id INTEGER PRIMARY KEY,
                    execution_id INTEGER NOT NULL REFERENCES executions(id),
                    action TEXT NOT NULL,
                    entry_price REAL NOT NULL,
                    stop_loss REAL,
                    take_profit REAL,
                    symbol TEXT NOT NULL
                );
                CREATE INDEX signals_execution ON signals(execution_id);
                CREATE TABLE orders (
                    id INTEGER PRIMARY KEY,
                    execution_id INTEGER NOT NULL REFERENCES executions(id),
                    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
                    user_id INTEGER NOT NULL REFERENCES users(id),
                    symbol TEXT NOT NULL,
                    side TEXT NOT NULL,
                    qty REAL NOT NULL,
                    price REAL NOT NULL,
                    fee REAL NOT NULL,
                    purpose TEXT NOT NULL,
                    status TEXT NOT NULL,
                    reason TEXT,
                    candle_time INTEGER NOT NULL
                );
                CREATE INDEX orders_subscription ON orders(subscription_id);
                CREATE INDEX orders_execution ON orders(execution_id);
                CREATE TABLE positions (
                    id INTEGER PRIMARY KEY,
                    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
                    user_id INTEGER NOT NULL REFERENCES users(id),
                    symbol TEXT NOT NULL,
                    side TEXT NOT NULL,
                    qty REAL NOT NULL,
                    entry_price REAL NOT NULL,
                    entry_time INTEGER NOT NULL,
                    entry_fee REAL NOT NULL,
                    stop_loss REAL,
                    take_profit REAL,
                    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
                    exit_price REAL, exit_time INTEGER, pnl REAL, return_pct REAL, exit_reason TEXT
                );
                CREATE UNIQUE INDEX positions_one_open ON positions(subscription_id, symbol) WHERE status = 'open';
                CREATE INDEX positions_subscription ON positions(subscription_id, status);
                CREATE TABLE strategy_state (
                    strategy_id INTEGER NOT NULL REFERENCES strategies(id),
                    symbol TEXT NOT NULL,
                    timeframe TEXT NOT NULL,
                    state TEXT NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (strategy_id, symbol, timeframe)
                );
                """)
        }
        m.registerMigration("v2-lean-order-indexes") { db in
            // Orders are read per subscription; an index per execution cost a b-tree write per order.
            try db.execute(sql: "DROP INDEX orders_execution")
        }
        m.registerMigration("v3-position-index-without-status") { db in
            // Closing a position changed its status and so its entry in this index; keyed by
            // subscription alone, a close leaves the index untouched.
            try db.execute(sql: "DROP INDEX positions_subscription; CREATE INDEX positions_by_subscription ON positions(subscription_id)")
        }
        m.registerMigration("v4-api-accounts") { db in
            // Accounts that log in over the API, strategy metadata for listings and webhooks, and
            // broker credentials sealed by the API layer (the database never sees them in clear).
            try db.execute(sql: """
                ALTER TABLE users ADD COLUMN email TEXT;
                ALTER TABLE users ADD COLUMN password_hash TEXT;
                CREATE UNIQUE INDEX users_email ON users(email) WHERE email IS NOT NULL;
                ALTER TABLE strategies ADD COLUMN description TEXT NOT NULL DEFAULT '';
                ALTER TABLE strategies ADD COLUMN kind TEXT NOT NULL DEFAULT 'code';
                ALTER TABLE strategies ADD COLUMN webhook_token TEXT;
                ALTER TABLE strategies ADD COLUMN max_lag_ms INTEGER NOT NULL DEFAULT 60000;
                ALTER TABLE strategies ADD COLUMN updated_at INTEGER;
                CREATE UNIQUE INDEX strategies_webhook ON strategies(webhook_token) WHERE webhook_token IS NOT NULL;
                CREATE TABLE broker_credentials (
                    id INTEGER PRIMARY KEY,
                    public_id TEXT NOT NULL UNIQUE,
                    user_id INTEGER NOT NULL REFERENCES users(id),
                    broker TEXT NOT NULL,
                    label TEXT NOT NULL,
                    hint TEXT NOT NULL,
                    sealed BLOB NOT NULL,
                    created_at INTEGER NOT NULL,
                    deleted INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX broker_credentials_user ON broker_credentials(user_id);
                """)
        }
        m.registerMigration("v5-fanout-journal") { db in
            // An execution's whole fan-out is one journal row in its transaction; `projectFanouts`
            // expands it into orders and positions behind it. `fanout_books` counts the commits of
            // each (strategy, symbol), and the triggers count every subscription change too, so a
            // process knows when the inputs it kept from its last commit are still current.
            try db.execute(sql: """
                CREATE TABLE fanout_journal (
                    execution_id INTEGER PRIMARY KEY REFERENCES executions(id),
                    strategy_id INTEGER NOT NULL REFERENCES strategies(id),
                    symbol TEXT NOT NULL,
                    candle_time INTEGER NOT NULL,
                    changes BLOB NOT NULL
                );
                CREATE TABLE fanout_books (
                    strategy_id INTEGER NOT NULL REFERENCES strategies(id),
                    symbol TEXT NOT NULL,
                    generation INTEGER NOT NULL,
                    PRIMARY KEY (strategy_id, symbol)
                ) WITHOUT ROWID;
                CREATE TRIGGER subscriptions_insert_books AFTER INSERT ON subscriptions BEGIN
                    UPDATE fanout_books SET generation = generation + 1 WHERE strategy_id = NEW.strategy_id;
                END;
                CREATE TRIGGER subscriptions_update_books AFTER UPDATE ON subscriptions BEGIN
                    UPDATE fanout_books SET generation = generation + 1 WHERE strategy_id IN (OLD.strategy_id, NEW.strategy_id);
                END;
                CREATE TRIGGER subscriptions_delete_books AFTER DELETE ON subscriptions BEGIN
                    UPDATE fanout_books SET generation = generation + 1 WHERE strategy_id = OLD.strategy_id;
                END;
                """)
        }
        registerTenancy(&m)
        registerIntegrity(&m)
        registerOrders(&m)
        registerBots(&m)
        registerLive(&m)
        return m
    }
}
