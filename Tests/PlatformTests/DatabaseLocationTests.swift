import Platform
import Testing

struct DatabaseLocationTests {
    @Test func aFilePathIsSQLiteAndAPostgresURLIsReadWhole() throws {
        #expect(try DatabaseLocation(parsing: ".tradectl/tradectl.sqlite") == .sqlite(path: ".tradectl/tradectl.sqlite"))
        #expect(try DatabaseLocation(parsing: "/tmp/a b.sqlite") == .sqlite(path: "/tmp/a b.sqlite"))
        #expect(try DatabaseLocation(parsing: "postgres://trader:s3cret@db.internal:6543/tradectl")
                == .postgres(PostgresLocation(user: "trader", password: "s3cret", host: "db.internal", port: 6543, database: "tradectl")))
        #expect(try DatabaseLocation(parsing: "postgresql://trader@127.0.0.1/tradectl")
                == .postgres(PostgresLocation(user: "trader", host: "127.0.0.1", port: 5432, database: "tradectl")))
        // A percent-encoded password is decoded.
        #expect(try PostgresLocation(url: "postgres://u:p%40ss@h/d").password == "p@ss")
    }

    @Test(arguments: [
        "", "mysql://u@h/d", "postgres://h/d", "postgres://u@/d", "postgres://u@h", "postgres://u@h/", "postgres://u@h:0/d",
        "postgres://u@h:99999/d", "postgres://u@h:port/d", "postgres://u@h/d?sslmode=require", "postgres://u@h/d/extra",
    ])
    func aMalformedURLIsATypedErrorNamingTheOption(text: String) {
        #expect {
            _ = try DatabaseLocation(parsing: text)
        } throws: { ($0 as? PlatformError)?.code == .invalidInput && ($0 as? PlatformError)?.field == "db" }
    }

    @Test func aCommandThatNeedsEveryAggregateRefusesPostgresAndNeverShowsThePassword() throws {
        #expect(try DatabaseLocation(parsing: "a.sqlite").sqlitePath(for: "serve") == "a.sqlite")
        let pg = try DatabaseLocation(parsing: "postgres://trader:s3cret@db:5432/tradectl")
        #expect {
            _ = try pg.sqlitePath(for: "serve")
        } throws: { error in
            guard let e = error as? PlatformError else { return false }
            return e.code == .unsupported && e.message.contains("serve") && e.message.contains("execution fence") && !e.message.contains("s3cret")
        }
    }
}
