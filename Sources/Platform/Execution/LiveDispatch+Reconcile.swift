import Foundation
import StrategyRuntime

extension LiveDispatch {
    /// What start-up reconciliation found and did.
    public struct ReconcileReport: Sendable, Equatable {
        /// Live subscriptions compared with their exchange.
        public var subscriptions = 0
        /// Every disagreement, with what was done about it (also stored in `live_findings`).
        public var findings: [LiveFinding] = []
        /// Subscriptions that could not be compared (credentials refused, exchange unreachable):
        /// left as recorded, compared again at the next start.
        public var errors: [Int64: ExchangeError] = [:]
        /// What placing again, adopting and cancelling gave.
        public var routed = Summary()
    }

    /// Compares every live subscription with its exchange and resolves each disagreement by the
    /// rules of `Reconciliation.reconcile` (README, "Live trading"): orders recorded but never
    /// confirmed are adopted when the exchange has them, else placed again through the router
    /// with `resume` (query by client id first, never a blind resend) unless they are market
    /// orders older than `Settings.maxMarketAgeMs` (expired); confirmed open orders take the
    /// exchange's state and fills, or expire when it has none; open orders carrying one of our
    /// client ids that nothing recorded are cancelled; balances and positions take the
    /// exchange's, unless the credential is shared by several subscriptions (then reported only).
    ///
    /// - Parameters:
    ///   - db: the platform database.
    ///   - settings: where the symbols' rules come from (fills are applied with them).
    ///   - now: the time it runs (epoch ms).
    public func reconcile(db: PlatformDatabase, settings: any SettingsCache, now: Int64 = VirtualClock.wallNow()) async -> ReconcileReport {
        var report = ReconcileReport()
        guard let router else { return report }
        let subs: [(id: Int64, userID: Int64, credentialID: String, market: MarketKind, symbols: [String])]
        let open: [LiveRow]
        do throws(PlatformError) {
            subs = try db.liveSubscriptions()
            open = try db.openLive()
        } catch {
            logger.error("reconciliation could not read the live subscriptions: \(error.code)")
            return report
        }
        var rowsBySub: [Int64: [LiveRow]] = [:]
        for r in open { rowsBySub[r.subscriptionID, default: []].append(r) }
        var visits = subs
        for (id, rows) in rowsBySub.sorted(by: { $0.key < $1.key }) where !subs.contains(where: { $0.id == id }) {
            visits.append((id, rows[0].userID, rows[0].credentialID, .spot, []))  // no longer active: its orders only
        }
        var sharing: [String: Int] = [:]
        for s in subs { sharing["\(s.userID)/\(s.credentialID)", default: 0] += 1 }
        var findings: [(subscriptionID: Int64, userID: Int64, disagreement: String, resolution: String)] = []
        var adoptions: [(subscriptionID: Int64, symbol: String, adoption: PlatformDatabase.Adoption)] = []
        var answered: [(LiveRow, Answer)] = []
        var again: [LiveRow] = []
        var cancels: [LiveCancel] = []
        var rules: [String: SymbolRules] = [:]
        for sub in visits {
            report.subscriptions += 1
            let rows = rowsBySub[sub.id] ?? []
            let creds: ExchangeCredentials
            let connector: any ExchangeConnector
            do throws(ExchangeError) {
                creds = try await router.keyring.credentials(userID: sub.userID, credentialID: sub.credentialID)
                guard let c = router.connectors.connector(creds.venue) else { continue }
                connector = c
            } catch {
                report.errors[sub.id] = error
                findings.append((sub.id, sub.userID, "not compared: \(error.code)", "left as recorded; compared again at the next start"))
                continue
            }
            let symbols = Array(Set(sub.symbols + rows.map(\.symbol))).sorted()
            let recorded = rows.map { r in
                var o = r.order
                o.placedAt = r.recordedAt  // its age counts from when it was decided, not from the candle's open
                return Reconciliation.RecordedOrder(clientID: r.clientID, symbol: r.symbol, order: o, confirmed: r.outcome != "pending")
            }
            var accounts: [String: Account] = [:]
            var balances: [String: Double] = [:]
            var positions: [String: Double] = [:]
            var assets: [String: (symbol: String, base: Bool)] = [:]
            let snapshot: Reconciliation.Snapshot
            do {
                accounts = try db.liveAccounts(subscriptionID: sub.id)
                for symbol in symbols {
                    rules[symbol] = try? await settings.rules(symbol)
                    guard let a = accounts[symbol] else { continue }
                    if a.market == .futures {
                        positions[symbol] = a.position.quantity
                    } else {
                        let info = try await connector.symbol(symbol)
                        balances[info.baseAsset] = a.baseFree
                        balances[info.quoteAsset] = a.quoteFree
                        assets[info.baseAsset] = (symbol, true)
                        assets[info.quoteAsset] = (symbol, false)
                    }
                }
                snapshot = try await Reconciliation.snapshot(recorded: recorded, symbols: symbols, connector: connector, credentials: creds)
            } catch let error as ExchangeError {
                report.errors[sub.id] = error
                findings.append((sub.id, sub.userID, "not compared: \(error.code)", "left as recorded; compared again at the next start"))
                continue
            } catch {
                report.errors[sub.id] = ExchangeError(.unreachable, "the accounts could not be read")
                continue
            }
            let shared = sharing["\(sub.userID)/\(sub.credentialID)", default: 0] > 1
            let found = Reconciliation.reconcile(recorded: recorded, balances: balances, positions: positions, exchange: snapshot, now: now,
                                                 maxMarketAgeMs: self.settings.maxMarketAgeMs, tolerance: self.settings.tolerance)
            for f in found {
                var resolution = Self.describe(f.resolution)
                let row = { (id: String) in rows.first { $0.clientID == id } }
                switch f.resolution {
                case .adopt(let o):
                    if let r = row(o.clientID) { answered.append((r, .outcome(.found(o)))) }
                case .placeAgain(let id):
                    if let r = row(id) { again.append(r) }
                case .expire(let id):
                    if let r = row(id) { answered.append((r, .expire)) }
                case .cancelOnExchange(let symbol, let id):
                    cancels.append(LiveCancel(subscriptionID: sub.id, userID: sub.userID, credentialID: sub.credentialID, symbol: symbol, clientID: id))
                case .adoptBalance(let b):
                    if shared {
                        resolution = "reported only: the credential is shared by several subscriptions"
                    } else if let hit = assets[b.asset] {
                        adoptions.append((sub.id, hit.symbol, hit.base ? .base(b.free + b.locked) : .quote(b.free + b.locked)))
                    }
                case .adoptPosition(let p):
                    if shared {
                        resolution = "reported only: the credential is shared by several subscriptions"
                    } else if accounts[p.symbol] != nil {
                        adoptions.append((sub.id, p.symbol, .position(p.netPosition)))
                    }
                case .leaveAlone:
                    break
                }
                findings.append((sub.id, sub.userID, Self.describe(f.disagreement), resolution))
            }
        }
        do throws(PlatformError) {
            // The adopted orders' fills first, then the balances and positions the exchange reported
            // (which already hold those fills) over them; orders placed again come after both.
            var summary = Summary()
            try record(answered, db: db, rules: rules, summary: &summary)
            try db.recordFindings(findings, adoptions: adoptions)
            if !cancels.isEmpty { _ = await router.submit([], cancels: cancels) }
            let placed = try await send(again, db: db, router: router, resume: true, rules: rules)
            summary.accepted += placed.accepted
            summary.rejected += placed.rejected
            summary.failed += placed.failed
            summary.pending += placed.pending
            summary.errors.merge(placed.errors) { $0 + $1 }
            report.routed = summary
        } catch {
            logger.error("reconciliation could not record its findings: \(error.code)")
        }
        let now = PlatformDatabase.now()
        report.findings = findings.map { LiveFinding(subscriptionID: $0.subscriptionID, time: now, disagreement: $0.disagreement, resolution: $0.resolution) }
        if !findings.isEmpty { logger.notice("reconciliation: \(findings.count) disagreements over \(report.subscriptions) live subscriptions") }
        return report
    }

    static func describe(_ d: Reconciliation.Disagreement) -> String {
        switch d {
        case .unconfirmedFound(let id): return "order \(id) recorded but never confirmed; the exchange has it"
        case .unconfirmedMissing(let id): return "order \(id) recorded but never confirmed; the exchange does not have it"
        case .stateDiffers(let id, let mine, let theirs): return "order \(id) is \(mine.rawValue) here, \(theirs.rawValue) on the exchange"
        case .fillDiffers(let id, let mine, let theirs): return "order \(id) filled \(mine) here, \(theirs) on the exchange"
        case .missingOnExchange(let id): return "order \(id) is open here, unknown to the exchange"
        case .unrecordedOpenOrder(let id): return "open order \(id) on the exchange carries our client id; nothing recorded it"
        case .foreignOpenOrder(let id): return "open order \(id) on the exchange was not placed by the platform"
        case .balanceDiffers(let asset, let mine, let theirs): return "\(asset) balance \(mine) here, \(theirs) on the exchange"
        case .positionDiffers(let symbol, let mine, let theirs): return "\(symbol) position \(mine) here, \(theirs) on the exchange"
        }
    }

    static func describe(_ r: Reconciliation.Resolution) -> String {
        switch r {
        case .adopt(let o): return "adopted the exchange's order (\(o.state.rawValue), filled \(o.filled))"
        case .placeAgain: return "placed again with the same client id (queried first)"
        case .expire: return "expired (reason exchange)"
        case .cancelOnExchange: return "cancelled on the exchange"
        case .adoptBalance(let b): return "adopted the exchange's balance \(b.free + b.locked)"
        case .adoptPosition(let p): return "adopted the exchange's position \(p.quantity) at \(p.entryPrice)"
        case .leaveAlone: return "left alone"
        }
    }
}
