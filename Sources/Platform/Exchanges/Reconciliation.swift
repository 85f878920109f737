import StrategyRuntime

/// Start-up reconciliation of one live subscription: what the database recorded against what
/// the exchange reports, as typed disagreements, each with its resolution. A pure function of its
/// inputs: the same inputs give the same findings, in the same order, every time.
///
/// The rules (README, "Live trading"):
/// - An order recorded as submitted but never confirmed (the process stopped between placing and
///   recording) that the exchange has: adopt the exchange's order.
/// - Such an order the exchange does not have: place it again (same client id, so a retry can
///   never make two), unless it is a market order older than `maxMarketAgeMs`: expire it, since
///   its price is gone.
/// - A confirmed open order whose state, fills or average price differ: adopt the exchange's.
/// - A confirmed open order the exchange does not know: expire it (reason `exchange`).
/// - An open order on the exchange with one of our client ids that nothing recorded: cancel it
///   (the database, the fence, never decided it). Other open orders (placed by hand): leave them.
/// - Balances and positions that differ beyond a tolerance: adopt the exchange's.
public enum Reconciliation {
    /// A live order as the database holds it.
    public struct RecordedOrder: Sendable, Equatable {
        public var clientID: String
        public var symbol: String
        /// The engine's order as last recorded.
        public var order: Order
        /// Whether the exchange confirmed it (false: recorded before sending, outcome never recorded).
        public var confirmed: Bool

        public init(clientID: String, symbol: String, order: Order, confirmed: Bool) {
            self.clientID = clientID
            self.symbol = symbol
            self.order = order
            self.confirmed = confirmed
        }
    }

    /// What the exchange reports for the subscription.
    public struct Snapshot: Sendable, Equatable {
        /// For each recorded client id still open or unconfirmed: the exchange's order, or nil when it has none.
        public var queried: [String: ExchangeOrder?]
        /// Every open order of the account on the subscription's symbols.
        public var openOrders: [ExchangeOrder]
        public var balances: [AssetBalance]
        public var positions: [ExchangePosition]

        public init(queried: [String: ExchangeOrder?], openOrders: [ExchangeOrder], balances: [AssetBalance], positions: [ExchangePosition]) {
            self.queried = queried
            self.openOrders = openOrders
            self.balances = balances
            self.positions = positions
        }
    }

    /// One disagreement.
    public enum Disagreement: Sendable, Equatable {
        case unconfirmedFound(clientID: String)
        case unconfirmedMissing(clientID: String)
        case stateDiffers(clientID: String, recorded: OrderState, exchange: OrderState)
        case fillDiffers(clientID: String, recorded: Double, exchange: Double)
        case missingOnExchange(clientID: String)
        case unrecordedOpenOrder(clientID: String)
        case foreignOpenOrder(exchangeID: String)
        case balanceDiffers(asset: String, recorded: Double, exchange: Double)
        case positionDiffers(symbol: String, recorded: Double, exchange: Double)
    }

    /// What to do about it.
    public enum Resolution: Sendable, Equatable {
        /// Record the exchange's order (state, fills) for the recorded one.
        case adopt(ExchangeOrder)
        /// Place the recorded order again with its client id (`LiveOrderRouter.submit(resume: true)`).
        case placeAgain(clientID: String)
        /// Record the order as expired with reason `exchange`.
        case expire(clientID: String)
        /// Cancel the order on the exchange.
        case cancelOnExchange(symbol: String, clientID: String)
        /// Record the exchange's total (free + locked) balance of the asset.
        case adoptBalance(AssetBalance)
        /// Record the exchange's position.
        case adoptPosition(ExchangePosition)
        /// Nothing: report only.
        case leaveAlone
    }

    public struct Finding: Sendable, Equatable {
        public var disagreement: Disagreement
        public var resolution: Resolution
    }

    /// - Parameters:
    ///   - recorded: the subscription's live orders that are open or unconfirmed in the database.
    ///   - balances: recorded totals per asset (free + reserved).
    ///   - positions: recorded signed position per symbol (futures).
    ///   - now: the time the reconciliation runs (epoch ms).
    ///   - maxMarketAgeMs: an unconfirmed market order older than this is expired, never sent.
    ///   - tolerance: relative difference under which amounts agree (binary noise, fees rounding).
    public static func reconcile(recorded: [RecordedOrder], balances: [String: Double], positions: [String: Double],
                                 exchange: Snapshot, now: Int64, maxMarketAgeMs: Int64 = 60_000, tolerance: Double = 1e-6) -> [Finding] {
        var out: [Finding] = []
        let known = Set(recorded.map(\.clientID))
        for r in recorded.sorted(by: { $0.clientID < $1.clientID }) {
            let reported = exchange.queried[r.clientID] ?? nil
            if !r.confirmed {
                if let o = reported {
                    out.append(Finding(disagreement: .unconfirmedFound(clientID: r.clientID), resolution: .adopt(o)))
                } else {
                    let stale = r.order.type == .market && now - r.order.placedAt > maxMarketAgeMs
                    out.append(Finding(disagreement: .unconfirmedMissing(clientID: r.clientID),
                                       resolution: stale ? .expire(clientID: r.clientID) : .placeAgain(clientID: r.clientID)))
                }
                continue
            }
            guard let o = reported else {
                out.append(Finding(disagreement: .missingOnExchange(clientID: r.clientID), resolution: .expire(clientID: r.clientID)))
                continue
            }
            if o.state != r.order.state {
                out.append(Finding(disagreement: .stateDiffers(clientID: r.clientID, recorded: r.order.state, exchange: o.state), resolution: .adopt(o)))
            } else if !agree(o.filled, r.order.filled, tolerance) {
                out.append(Finding(disagreement: .fillDiffers(clientID: r.clientID, recorded: r.order.filled, exchange: o.filled), resolution: .adopt(o)))
            }
        }
        for o in exchange.openOrders.sorted(by: { ($0.clientID, $0.exchangeID) < ($1.clientID, $1.exchangeID) }) where !known.contains(o.clientID) {
            if ClientOrderID.isDerived(o.clientID) {
                out.append(Finding(disagreement: .unrecordedOpenOrder(clientID: o.clientID),
                                   resolution: .cancelOnExchange(symbol: o.symbol, clientID: o.clientID)))
            } else {
                out.append(Finding(disagreement: .foreignOpenOrder(exchangeID: o.exchangeID), resolution: .leaveAlone))
            }
        }
        var reportedBalances: [String: AssetBalance] = [:]
        for b in exchange.balances { reportedBalances[b.asset] = b }
        for asset in Set(balances.keys).union(reportedBalances.keys).sorted() {
            let mine = balances[asset] ?? 0
            let theirs = reportedBalances[asset] ?? AssetBalance(asset: asset, free: 0, locked: 0)
            guard balances[asset] != nil else { continue }  // assets the platform does not track
            if !agree(mine, theirs.free + theirs.locked, tolerance) {
                out.append(Finding(disagreement: .balanceDiffers(asset: asset, recorded: mine, exchange: theirs.free + theirs.locked),
                                   resolution: .adoptBalance(theirs)))
            }
        }
        var reportedPositions: [String: ExchangePosition] = [:]
        for p in exchange.positions { reportedPositions[p.symbol] = p }
        for symbol in Set(positions.keys).union(reportedPositions.keys).sorted() {
            let mine = positions[symbol] ?? 0
            let theirs = reportedPositions[symbol] ?? ExchangePosition(symbol: symbol, quantity: 0, entryPrice: 0, leverage: 0,
                                                                        liquidationPrice: 0, isolatedMargin: 0)
            if !agree(mine, theirs.quantity, tolerance) {
                out.append(Finding(disagreement: .positionDiffers(symbol: symbol, recorded: mine, exchange: theirs.quantity),
                                   resolution: .adoptPosition(theirs)))
            }
        }
        return out
    }

    static func agree(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
        abs(a - b) <= tolerance * max(1, abs(a), abs(b))
    }

    /// Asks the exchange what `reconcile` needs for one subscription: each recorded order by its
    /// client id, the open orders of `symbols`, balances and positions.
    ///
    /// - Throws: the first `ExchangeError` (the subscription is then left as recorded and retried).
    public static func snapshot(recorded: [RecordedOrder], symbols: [String], connector: any ExchangeConnector,
                                credentials: ExchangeCredentials) async throws(ExchangeError) -> Snapshot {
        var queried: [String: ExchangeOrder?] = [:]
        for r in recorded {
            queried[r.clientID] = .some(try await connector.order(symbol: r.symbol, clientID: r.clientID, credentials: credentials))
        }
        var open: [ExchangeOrder] = []
        for s in symbols.sorted() { open += try await connector.openOrders(symbol: s, credentials: credentials) }
        return Snapshot(queried: queried, openOrders: open, balances: try await connector.balances(credentials: credentials),
                        positions: try await connector.positions(credentials: credentials))
    }
}
