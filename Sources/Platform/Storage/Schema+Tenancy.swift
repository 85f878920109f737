import GRDB

extension Schema {
    /// Pauses set by the scheduler, and the execution counters `/metrics` reads instead of
    /// scanning `executions`.
    static func registerTenancy(_ m: inout DatabaseMigrator) {
        m.registerMigration("v6-pauses-and-execution-counters") { db in
            // Counters kept by triggers, so every insert path (commit, skip, webhook, bulk) counts in
            // the very transaction that inserts the execution row: executions by status, and the
            // cumulative latency histogram (lock + data + strategy + fan-out + commit, µs) of the
            // executed ones, counted once the commit has written its own times. Bounds in µs; the
            // last one is +Inf and also holds the sum.
            try db.execute(sql: """
                ALTER TABLE strategies ADD COLUMN paused_reason TEXT;
                ALTER TABLE strategies ADD COLUMN paused_at INTEGER;
                CREATE TABLE execution_counters (
                    status TEXT PRIMARY KEY,
                    count INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE execution_latency (
                    le_us INTEGER PRIMARY KEY,
                    count INTEGER NOT NULL DEFAULT 0,
                    sum_us INTEGER NOT NULL DEFAULT 0
                );
                INSERT INTO execution_latency (le_us) VALUES (500), (1000), (2500), (5000), (10000), (25000), (50000), (100000),
                    (250000), (500000), (1000000), (2500000), (9223372036854775807);
                INSERT INTO execution_counters (status, count) SELECT status, COUNT(*) FROM executions GROUP BY status;
                UPDATE execution_latency SET
                    count = (SELECT COUNT(*) FROM executions WHERE status != 'skipped' AND
                             COALESCE(lock_us,0) + COALESCE(data_us,0) + COALESCE(strategy_us,0) + COALESCE(fanout_us,0)
                             + COALESCE(commit_us,0) <= le_us),
                    sum_us = CASE WHEN le_us = 9223372036854775807 THEN (SELECT COALESCE(SUM(COALESCE(lock_us,0) + COALESCE(data_us,0)
                             + COALESCE(strategy_us,0) + COALESCE(fanout_us,0) + COALESCE(commit_us,0)), 0)
                             FROM executions WHERE status != 'skipped') ELSE 0 END;

                CREATE TRIGGER executions_count_insert AFTER INSERT ON executions BEGIN
                    INSERT OR IGNORE INTO execution_counters (status, count) VALUES (NEW.status, 0);
                    UPDATE execution_counters SET count = count + 1 WHERE status = NEW.status;
                END;
                CREATE TRIGGER executions_count_status AFTER UPDATE OF status ON executions WHEN OLD.status IS NOT NEW.status BEGIN
                    UPDATE execution_counters SET count = count - 1 WHERE status = OLD.status;
                    INSERT OR IGNORE INTO execution_counters (status, count) VALUES (NEW.status, 0);
                    UPDATE execution_counters SET count = count + 1 WHERE status = NEW.status;
                END;
                CREATE TRIGGER executions_count_delete AFTER DELETE ON executions BEGIN
                    UPDATE execution_counters SET count = count - 1 WHERE status = OLD.status;
                END;
                CREATE TRIGGER executions_latency_insert AFTER INSERT ON executions
                WHEN NEW.status != 'skipped' AND NEW.commit_us IS NOT NULL BEGIN
                    UPDATE execution_latency SET count = count + 1,
                        sum_us = sum_us + CASE WHEN le_us = 9223372036854775807 THEN COALESCE(NEW.lock_us,0) + COALESCE(NEW.data_us,0)
                                 + COALESCE(NEW.strategy_us,0) + COALESCE(NEW.fanout_us,0) + NEW.commit_us ELSE 0 END
                    WHERE le_us >= COALESCE(NEW.lock_us,0) + COALESCE(NEW.data_us,0) + COALESCE(NEW.strategy_us,0)
                                  + COALESCE(NEW.fanout_us,0) + NEW.commit_us;
                END;
                CREATE TRIGGER executions_latency_commit AFTER UPDATE OF commit_us ON executions
                WHEN NEW.status != 'skipped' AND OLD.commit_us IS NULL AND NEW.commit_us IS NOT NULL BEGIN
                    UPDATE execution_latency SET count = count + 1,
                        sum_us = sum_us + CASE WHEN le_us = 9223372036854775807 THEN COALESCE(NEW.lock_us,0) + COALESCE(NEW.data_us,0)
                                 + COALESCE(NEW.strategy_us,0) + COALESCE(NEW.fanout_us,0) + NEW.commit_us ELSE 0 END
                    WHERE le_us >= COALESCE(NEW.lock_us,0) + COALESCE(NEW.data_us,0) + COALESCE(NEW.strategy_us,0)
                                  + COALESCE(NEW.fanout_us,0) + NEW.commit_us;
                END;
                """)
        }
    }
}
