import ExchangeSimulator
import Foundation
import Platform
import StrategyRuntime
import Synchronization

/// Credentials by (user, credential id), for tests: the executor's keyring without a database.
final class StaticKeyring: CredentialKeyring {
    let table: [String: ExchangeCredentials]

    init(_ entries: [(userID: Int64, credentialID: String, credentials: ExchangeCredentials)]) {
        table = Dictionary(uniqueKeysWithValues: entries.map { ("\($0.userID)/\($0.credentialID)", $0.credentials) })
    }

    func credentials(userID: Int64, credentialID: String) async throws(ExchangeError) -> ExchangeCredentials {
        guard let c = table["\(userID)/\(credentialID)"] else { throw ExchangeError(.badCredentials, "no such credential") }
        return c
    }
}

/// A started simulator with one BTCUSDT market and `accounts` accounts (`key<i>` / `secret<i>`),
/// and a connector factory pointed at it.
struct SimHarness {
    let sim: ExchangeSimulator
    let connectors: ExchangeConnectors
    let now: Int64

    static func start(accounts: Int = 2, limits: SimLimits = SimLimits(), skewMs: Int64 = 0, closes: [Double]? = nil,
                      timeoutMs: Int64 = 15_000) async throws -> SimHarness {
        let now = Int64(Date().timeIntervalSince1970 * 1_000) + skewMs
        let market = SimMarket.btc(closes: closes ?? [100, 101, 102, 101, 100, 99, 100, 101, 102, 103, 104, 105], now: now)
        let sim = ExchangeSimulator(markets: [market],
                                    accounts: (0..<accounts).map { SimAccount(apiKey: "key\($0)", secret: "secret\($0)") },
                                    limits: limits, skewMs: skewMs)
        try await sim.start()
        let connectors = ExchangeConnectors(endpoints: .all(at: sim.baseURL), http: ExchangeHTTP(timeoutMs: timeoutMs))
        return SimHarness(sim: sim, connectors: connectors, now: now)
    }

    func stop() async {
        await connectors.shutdown()
        await sim.stop()
    }

    static func credentials(_ venue: ExchangeVenue, _ i: Int, secret: String? = nil) -> ExchangeCredentials {
        // Test keys are short printable ASCII.
        try! ExchangeCredentials(venue: venue, apiKey: "key\(i)", secret: secret ?? "secret\(i)")
    }

    static let key = ExecutionKey(versionID: 7, symbol: "BTCUSDT", timeframe: "1m", candleTime: 1_700_000_000_000)

    /// A placement of subscription `sub` (user `sub`, credential `cred<sub>`).
    static func placement(sub: Int64, _ type: OrderType = .market, side: OrderSide = .buy, quantity: Double, price: Double? = nil,
                          stop: Double? = nil, leg: Int64 = 1, key: ExecutionKey = key) -> LivePlacement {
        let order = Order(id: leg, tag: OrderTag("o\(leg)")!, side: side, type: type, quantity: quantity, price: price, stopPrice: stop,
                          placedAt: key.candleTime)
        return LivePlacement(key: key, subscriptionID: sub, userID: sub, credentialID: "cred\(sub)", order: order)
    }
}
