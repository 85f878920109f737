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
        let dir = NSTemporaryDirectory() + "tradectl-walk-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let port = try RedisHarness.freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: CLI.binary)
        server.arguments = ["serve", "--db", dir + "/walk.sqlite", "--port", String(port), "--bcrypt-cost", "4"]
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
