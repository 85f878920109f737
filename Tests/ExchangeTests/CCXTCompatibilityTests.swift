import ExchangeSimulator
import Foundation
import TestSupport
import Testing

/// Runs `CCXT/test_wire_compat.py` (ccxt's binance and binanceusdm, and the `coindcx` client,
/// from PyPI, in `.tradectl/ccxt-venv`) against a simulator started here. A missing virtualenv
/// fails the test: `scripts/setup.sh` installs it.
@Suite(.serialized) struct CCXTCompatibilityTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func ccxtAndCoinDCXClientsVerifyAndParse() async throws {
        let python = Self.root.appendingPathComponent(".tradectl/ccxt-venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("no ccxt virtualenv at \(python): run scripts/setup.sh")
            return
        }
        let h = try await SimHarness.start()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-m", "pytest", "-q", "-p", "no:cacheprovider", Self.root.appendingPathComponent("Tests/ExchangeTests/CCXT").path]
        var env = ProcessInfo.processInfo.environment
        env["SIM_URL"] = h.sim.baseURL
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        // Waited for off the cooperative pool: the simulator serving pytest runs on it.
        let data = try await offPool {
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return data
        }
        await h.stop()
        let text = String(decoding: data, as: UTF8.self)
        #expect(p.terminationStatus == 0, "pytest failed:\n\(text.suffix(6_000))")
        #expect(text.contains("5 passed"), "\(text.suffix(2_000))")
        #expect(h.sim.stats.signatureFailures == 2, "only the two deliberate bad-secret calls may fail verification")
        #expect(h.sim.stats.timestampFailures == 0)
    }
}
