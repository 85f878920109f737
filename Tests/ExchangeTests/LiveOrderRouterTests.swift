import ExchangeSimulator
import Foundation
import Platform
import StrategyRuntime
import Testing

/// Exactly-once live orders against the simulator: retries after unknown outcomes, crashes,
/// rate-limit bursts, per-subscriber refusals.
@Suite(.serialized) struct LiveOrderRouterTests {
    func router(_ h: SimHarness, _ entries: [(Int64, ExchangeCredentials)], retryDelayMs: Int64 = 50) -> LiveOrderRouter {
        var settings = LiveOrderRouter.Settings()
        settings.retryDelayMs = retryDelayMs
        return LiveOrderRouter(connectors: h.connectors, keyring: StaticKeyring(entries.map { ($0.0, "cred\($0.0)", $0.1) }), settings: settings)
    }

    @Test(arguments: [ExchangeVenue.binanceSpot, .binanceUSDM, .coindcx])
    func serverErrorAfterAcceptanceThenRetryGivesOneOrder(venue: ExchangeVenue) async throws {
        let h = try await SimHarness.start()
        defer { Task { await h.stop() } }
        let path = venue == .coindcx ? "/orders/create" : "/order"
        h.sim.inject(SimFaultRule(method: "POST", pathSuffix: path, fault: .serverErrorAfterAccept(status: 503)))
        // A market order: it fills at once, so no duplicate-id refusal would catch a second send;
        // only asking before re-sending keeps it to one.
        let p = SimHarness.placement(sub: 1, quantity: 0.1)
        let results = await router(h, [(1, SimHarness.credentials(venue, 0))]).submit([p])
        #expect(h.sim.count(clientID: p.clientID) == 1)
        guard case .found(let o) = results[0].outcome else {
            Issue.record("expected the order found after the 503, got \(results[0].outcome)")
            return
        }
        #expect(o.clientID == p.clientID && o.state == .filled)
        #expect(h.sim.stats.faultsFired == 1)
    }

    @Test func timeoutAndDroppedConnectionAfterAcceptanceGiveOneOrderEach() async throws {
        let h = try await SimHarness.start(timeoutMs: 500)
        defer { Task { await h.stop() } }
        h.sim.inject(SimFaultRule(method: "POST", pathSuffix: "/order", fault: .delayAfterAccept(ms: 1_500)))
        h.sim.inject(SimFaultRule(method: "POST", pathSuffix: "/orders/create", fault: .dropAfterAccept))
        let a = SimHarness.placement(sub: 1, quantity: 0.1), b = SimHarness.placement(sub: 2, quantity: 0.1)
        let r = router(h, [(1, SimHarness.credentials(.binanceSpot, 0)), (2, SimHarness.credentials(.coindcx, 1))])
        let results = await r.submit([a, b])
        #expect(h.sim.count(clientID: a.clientID) == 1 && h.sim.count(clientID: b.clientID) == 1)
        for result in results {
            guard case .found(let o) = result.outcome else {
                Issue.record("expected found, got \(result.outcome)")
                continue
            }
            #expect(o.state == .filled)  // market orders fill at the current close
        }
    }

    /// The process stops after the exchange accepted the orders and before anything was
    /// recorded: a new router (no memory of the first) re-runs the same execution with
    /// `resume: true` and finds every order instead of placing it again, including a market
    /// order that already FILLED (which Binance would accept a second time under the same id).
    @Test func crashBetweenPlacingAndRecordingReconcilesToOneOrder() async throws {
        let h = try await SimHarness.start()
        defer { Task { await h.stop() } }
        let creds: [(Int64, ExchangeCredentials)] = [(1, SimHarness.credentials(.binanceSpot, 0)), (2, SimHarness.credentials(.binanceUSDM, 1)),
                                                     (3, SimHarness.credentials(.coindcx, 1))]
        let placements = [SimHarness.placement(sub: 1, quantity: 0.1), SimHarness.placement(sub: 1, .limit, quantity: 0.1, price: 90, leg: 2),
                          SimHarness.placement(sub: 2, quantity: 0.5), SimHarness.placement(sub: 3, quantity: 0.2)]
        let first = await router(h, creds).submit(placements)
        #expect(first.allSatisfy { if case .done = $0.outcome { true } else { false } })
        // "Crash": the first router and its results are gone; a fresh one re-runs the execution.
        let again = await router(h, creds).submit(placements, resume: true)
        for (p, r) in zip(placements, again) {
            #expect(h.sim.count(clientID: p.clientID) == 1, "order \(p.clientID) placed \(h.sim.count(clientID: p.clientID)) times")
            guard case .found = r.outcome else {
                Issue.record("expected found on resume, got \(r.outcome)")
                continue
            }
        }
        #expect(h.sim.allOrders.count == placements.count)
    }

    /// A burst of 429s: the connector waits out Retry-After on the shared budget and sends
    /// nothing meanwhile, so every order is placed exactly once and the simulator never bans.
    @Test func rateLimitBurstSlowsWithoutLosingOrdersOrA418() async throws {
        var limits = SimLimits()
        limits.ordersPerWindow = 100_000  // only the 429s may slow it, not the order budget
        let h = try await SimHarness.start(accounts: 1, limits: limits)
        defer { Task { await h.stop() } }
        h.sim.inject(SimFaultRule(method: "POST", pathSuffix: "/order", fault: .tooManyRequests(retryAfterSeconds: 1), count: 3))
        let placements = (1...30).map { SimHarness.placement(sub: Int64($0), .limit, quantity: 0.1, price: 90) }
        let r = router(h, (1...30).map { (Int64($0), SimHarness.credentials(.binanceSpot, 0)) })
        let results = await r.submit(placements)
        #expect(results.allSatisfy { $0.outcome.order != nil }, "\(results.filter { $0.outcome.order == nil }.map(\.outcome))")
        for p in placements { #expect(h.sim.count(clientID: p.clientID) == 1) }
        let stats = h.sim.stats
        #expect(stats.tooManyRequests >= 1)
        #expect(stats.bans == 0)
        let waits = h.connectors.binance(.binanceSpot)!.budgets.ip.waits
        #expect(waits.count >= 1 && waits.totalMs >= 1_000, "\(stats)")
    }

    /// The exchange's own order-count limit (5 per second here) is read from exchangeInfo and
    /// kept: 40 orders on one key go out without a single 429.
    @Test func orderBudgetFromExchangeInfoAvoids429s() async throws {
        var limits = SimLimits()
        limits.ordersPerWindow = 10
        limits.orderWindowMs = 1_000
        let h = try await SimHarness.start(accounts: 1, limits: limits)
        defer { Task { await h.stop() } }
        let placements = (1...40).map { SimHarness.placement(sub: Int64($0), .limit, quantity: 0.1, price: 90) }
        let results = await router(h, (1...40).map { (Int64($0), SimHarness.credentials(.binanceSpot, 0)) }).submit(placements)
        #expect(results.allSatisfy { if case .done = $0.outcome { true } else { false } })
        #expect(h.sim.stats.tooManyRequests == 0 && h.sim.stats.bans == 0, "\(h.sim.stats) \(h.connectors.binance(.binanceSpot)!.budgets.key(SimHarness.credentials(.binanceSpot, 0).keyID).rules) offset \(h.connectors.binance(.binanceSpot)!.clock.offset)")
        #expect(h.sim.allOrders.count == 40)
    }

    @Test func filterFailureIsRecordedPerSubscriberWithTheExchangesMessage() async throws {
        let h = try await SimHarness.start()
        defer { Task { await h.stop() } }
        let creds: [(Int64, ExchangeCredentials)] = [(1, SimHarness.credentials(.binanceSpot, 0)), (2, SimHarness.credentials(.binanceSpot, 1)),
                                                     (3, SimHarness.credentials(.coindcx, 1))]
        // Subscriber 2's mirrored order is worth 0.02 × 95 = 1.9 USDT, under the 5 USDT minimum; 3's too, on CoinDCX.
        let placements = [SimHarness.placement(sub: 1, .limit, quantity: 0.1, price: 95), SimHarness.placement(sub: 2, .limit, quantity: 0.02, price: 95),
                          SimHarness.placement(sub: 3, .limit, quantity: 0.02, price: 95)]
        let results = await router(h, creds).submit(placements)
        guard case .done = results[0].outcome, case .rejected(let e2) = results[1].outcome, case .rejected(let e3) = results[2].outcome else {
            Issue.record("unexpected \(results.map(\.outcome))")
            return
        }
        #expect(e2.code == .filterFailure && e2.exchangeCode == -1013 && e2.exchangeMessage == "Filter failure: NOTIONAL")
        #expect(e2.orderReason == .belowMinNotional)
        #expect(e3.code == .filterFailure && e3.exchangeMessage?.hasPrefix("Minimum order value") == true && e3.orderReason == .belowMinNotional)
        #expect(h.sim.count(clientID: placements[1].clientID) == 0)
    }

    @Test func badCredentialsFailOnlyThatSubscription() async throws {
        let h = try await SimHarness.start()
        defer { Task { await h.stop() } }
        let creds: [(Int64, ExchangeCredentials)] = [(1, SimHarness.credentials(.binanceSpot, 0)),
                                                     (2, SimHarness.credentials(.binanceSpot, 1, secret: "wrong")),
                                                     (3, SimHarness.credentials(.coindcx, 1, secret: "wrong")),
                                                     (4, try ExchangeCredentials(venue: .binanceUSDM, apiKey: "unknown-key", secret: "x"))]
        let placements = (1...4).map { SimHarness.placement(sub: Int64($0), quantity: 0.1) } + [SimHarness.placement(sub: 5, quantity: 0.1)]
        let results = await router(h, creds).submit(placements)
        #expect(results[0].outcome.order?.state == .filled)
        for r in results.dropFirst() {
            guard case .failed(let e) = r.outcome else {
                Issue.record("expected failed, got \(r.outcome)")
                continue
            }
            #expect(e.code == .badCredentials)
            #expect(!e.description.contains("secret") && !e.description.contains("key1"))
        }
        #expect(h.sim.allOrders.count == 1)
        #expect(h.sim.stats.signatureFailures == 2)
    }

    /// One execution fanned out across exchanges: each subscriber's order lands on its own venue.
    @Test func oneExecutionFansOutAcrossExchanges() async throws {
        let h = try await SimHarness.start()
        defer { Task { await h.stop() } }
        let creds: [(Int64, ExchangeCredentials)] = [(1, SimHarness.credentials(.binanceSpot, 0)), (2, SimHarness.credentials(.binanceUSDM, 0)),
                                                     (3, SimHarness.credentials(.coindcx, 1))]
        let placements = (1...3).map { SimHarness.placement(sub: Int64($0), quantity: 0.1) }
        let results = await router(h, creds).submit(placements)
        #expect(results.allSatisfy { $0.outcome.order?.state == .filled })
        #expect(h.sim.orders(apiKey: "key0", venue: .spot).count == 1)
        #expect(h.sim.orders(apiKey: "key0", venue: .futures).count == 1)
        #expect(h.sim.orders(apiKey: "key1", venue: .coindcx).count == 1)
        // The fills mapped onto the engine's order: state, quantity and price.
        let o = placements[0].order
        let applied = results[0].outcome.order!.applied(to: o)
        #expect(applied.state == .filled && applied.filled == 0.1 && applied.averagePrice == 104 && applied.id == o.id && applied.tag == o.tag)
        #expect(results[0].outcome.order!.engineFills(of: o).map(\.quantity) == [0.1])
    }

    /// The simulator's clock runs 3 s ahead: the connector measures the offset and its signed
    /// requests land inside recvWindow (a fixed local clock would get -1021).
    @Test func serverTimeOffsetKeepsSignedRequestsInsideRecvWindow() async throws {
        let h = try await SimHarness.start(skewMs: 8_000)
        defer { Task { await h.stop() } }
        let results = await router(h, [(1, SimHarness.credentials(.binanceSpot, 0))]).submit([SimHarness.placement(sub: 1, quantity: 0.1)])
        #expect(results[0].outcome.order?.state == .filled)
        #expect(h.sim.stats.timestampFailures == 0)
        let offset = h.connectors.binance(.binanceSpot)!.clock.offset
        #expect(abs(offset - 8_000) < 500)
    }

    @Test func cancelsByClientIDAndReportsOrdersThatAlreadyLeft() async throws {
        let h = try await SimHarness.start()
        defer { Task { await h.stop() } }
        let creds: [(Int64, ExchangeCredentials)] = [(1, SimHarness.credentials(.binanceSpot, 0)), (2, SimHarness.credentials(.coindcx, 1))]
        let r = router(h, creds)
        let resting = [SimHarness.placement(sub: 1, .limit, quantity: 0.1, price: 90), SimHarness.placement(sub: 2, .limit, quantity: 0.1, price: 90)]
        let filled = SimHarness.placement(sub: 1, quantity: 0.1, leg: 9)
        _ = await r.submit(resting + [filled])
        let cancels = (resting + [filled]).map { LiveCancel(subscriptionID: $0.subscriptionID, userID: $0.userID, credentialID: $0.credentialID,
                                                           symbol: $0.symbol, clientID: $0.clientID) }
        let results = await r.submit([], cancels: cancels)
        #expect(results[0].outcome.order?.state == .cancelled && results[1].outcome.order?.state == .cancelled)
        guard case .found(let f) = results[2].outcome else {
            Issue.record("a filled order's cancel should report it, got \(results[2].outcome)")
            return
        }
        #expect(f.state == .filled)
    }
}
