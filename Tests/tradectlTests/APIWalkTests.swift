import Foundation
import Platform
import TestSupport
import Testing

/// The README's curl walk, run as written against a real `tradectl serve` on a loopback port.
@Suite("API: the README walk against tradectl serve", .serialized)
struct APIWalkTests {
    static func walkBlock() throws -> String {
        let readme = try String(contentsOfFile: CLI.root + "/README.md", encoding: .utf8)
        guard let start = readme.range(of: "<!-- api-walk -->\n```sh\n"), let end = readme.range(of: "```\n<!-- /api-walk -->") else {
            throw HarnessError("README.md has no api-walk block")
        }
        return String(readme[start.upperBound..<end.lowerBound])
    }

    @Test("register, log in, upload, subscribe, pause, resume, stats, cancel")
    func readmeWalk() throws {
        try withServer { base, dir, server, log in
            try walk(base: base, dir: dir, server: server, log: log)
        }
    }

    @Test("serve is the main job: an uploaded strategy runs on each candle in its sandbox worker and its orders reach the subscriber's stream")
    func serveExecutesUploads() throws {
        try withServer(extra: ["--speed", "600"]) { base, _, _, _ in
            let script = """
                set -euo pipefail
                TOKEN=$(curl -s --fail-with-body -X POST $BASE/auth/register -d '{"email":"e@example.com","password":"password1"}' | jq -r .token)
                AUTH="Authorization: Bearer $TOKEN"
                SRC='def main(df, ctx):\n    c = df["close"]\n    return {"action": "BUY" if c.iloc[-1] > c.iloc[-2] else "SELL"}\n'
                S=$(jq -n --arg src "$(printf "$SRC")" '{name: "flip", source: $src, symbols: ["BTCUSDT"], timeframe: "1m", lookback: 5}' |
                    curl -s --fail-with-body -X POST $BASE/api/strategy-upload/strategies -H "$AUTH" -d @- | jq -r .id)
                SUB=$(curl -s --fail-with-body -X POST $BASE/api/strategies/$S/subscribe -H "$AUTH" -d '{"capital":1000,"riskPerTrade":0.01}' | jq -r .id)
                for i in $(seq 60); do
                  N=$(curl -s --fail-with-body "$BASE/api/strategies/subscriptions/$SUB/orders?limit=1" -H "$AUTH" | jq -r .total)
                  [ "$N" -ge 3 ] && break
                  sleep 0.5
                done
                echo "orders $N"
                curl -s --fail-with-body "$BASE/api/strategy-upload/strategies/$S/executions?limit=1" -H "$AUTH" | jq -r '.items[0].status'
                curl -s "$BASE/api/stream?from=start&seconds=1" -H "$AUTH" | grep -c '^event: fill' || true
                """
            let r = try shell(script, base: base)
            let lines = r.output.split(separator: "\n").map(String.init)
            #expect(r.status == 0, "\(r.output)")
            #expect(Int(lines.first?.dropFirst("orders ".count) ?? "") ?? 0 >= 3, "\(lines)")
            #expect(lines.dropFirst().first == "ok", "\(lines)")
            #expect(Int(lines.last ?? "") ?? 0 >= 3, "fills in the stream: \(lines)")
        }
    }

    /// Runs `body` against a fresh `tradectl serve` (its own database, a free loopback port).
    func withServer(extra: [String] = [], _ body: (String, String, Process, String) throws -> Void) throws {
        let dir = NSTemporaryDirectory() + "tradectl-walk-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let port = try RedisHarness.freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: CLI.binary)
        server.arguments = ["serve", "--db", dir + "/walk.sqlite", "--port", String(port), "--bcrypt-cost", "4", "--no-demo-seed"] + extra
        var env = ProcessInfo.processInfo.environment
        env["TRADECTL_HOME"] = CLI.root
        server.environment = env
        let log = dir + "/serve.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        server.standardOutput = FileHandle(forWritingAtPath: log)
        server.standardError = FileHandle(forWritingAtPath: log)
        try server.run()
        defer {
            server.terminate()
            let deadline = ContinuousClock.now + .seconds(10)
            while server.isRunning && ContinuousClock.now < deadline { usleep(50_000) }
            if server.isRunning { kill(server.processIdentifier, SIGKILL) }
        }
        let base = "http://127.0.0.1:\(port)"
        var up = false
        for _ in 0..<150 where !up {
            up = (try? shell("curl -sf \(base)/healthz", base: base))?.status == 0
            if !up { usleep(200_000) }
        }
        #expect(up, "tradectl serve did not answer /healthz within 30 s")
        try body(base, dir, server, log)
    }

    func walk(base: String, dir: String, server: Process, log: String) throws {
        let walk = try shell(try Self.walkBlock(), base: base)
        #expect(walk.status == 0, "walk failed: \(walk.output); server running: \(server.isRunning); its log: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        let lines = walk.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "\(lines)")
        #expect(lines.first?.contains("\"email\":\"ada@example.com\"") == true)
        #expect(Array(lines.dropFirst().prefix(2)) == ["paused", "active"])
        #expect(lines.dropFirst(3).first?.contains("\"trades\":0") == true)
        #expect(lines.last == "cancelled")

        // What the walk left in the database: the strategy at process level, the subscription cancelled.
        let db = try PlatformDatabase(path: dir + "/walk.sqlite")
        let strategies = try db.strategyPage(limit: 10, offset: 0)
        #expect(strategies.total == 1)
        #expect(strategies.items.first?.version.spec.isolation == .process)
        let owner = try #require(strategies.items.first?.ownerID)
        #expect(try db.subscriptions(userID: owner).map(\.status) == [.cancelled])
    }

    func shell(_ script: String, base: String) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-euo", "pipefail", "-c", script]
        p.currentDirectoryURL = URL(fileURLWithPath: CLI.root)
        var env = ProcessInfo.processInfo.environment
        env["BASE"] = base
        // Every curl of the walk gives up after 20 s, so the test's time stays bounded.
        let curlHome = NSTemporaryDirectory() + "tradectl-curlrc-\(getpid())"
        try FileManager.default.createDirectory(atPath: curlHome, withIntermediateDirectories: true)
        try "max-time = 20\n".write(toFile: curlHome + "/.curlrc", atomically: true, encoding: .utf8)
        env["CURL_HOME"] = curlHome
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let deadline = ContinuousClock.now + .seconds(60)
        while p.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        if p.isRunning { p.terminate() }
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
