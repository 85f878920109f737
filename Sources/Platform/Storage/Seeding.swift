import GRDB

extension PlatformDatabase {
    /// True when no user exists yet: a first run, which `tradectl serve` seeds with a demo.
    package func hasNoUsers() throws(PlatformError) -> Bool {
        try read { db in try Int64.fetchOne(db, sql: "SELECT id FROM users LIMIT 1") == nil }
    }
}
