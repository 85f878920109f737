import Foundation
import Logging

/// Places one execution's live orders, and cancels, exactly once each.
///
/// Every order carries its deterministic client order id. After a timeout, a 5xx or a dropped
/// connection (Binance: "execution status UNKNOWN") the router asks the exchange for that id
/// before sending again, and adopts the order when it exists; a duplicate-id refusal is answered
/// the same way. With `resume: true` (re-running an execution whose outcome was never recorded,
/// e.g. after a crash) it asks first for every order. 429s wait for `Retry-After` on the shared
/// budgets; nothing is sent while a budget is blocked, so a burst never turns into a 418.
///
/// Credentials are opened through the keyring inside the executor, per subscription; a refused
/// credential fails that subscription's orders only.
public final class LiveOrderRouter: Sendable {
    public struct Settings: Sendable {
        /// Orders in flight at once across all subscribers.
        public var concurrency = 64
        /// Attempts to place one order (each unknown outcome is queried before the next).
        public var attempts = 4
        /// Wait before re-sending after an unknown outcome or an unreachable exchange, doubled each time.
        public var retryDelayMs: Int64 = 200

        public init() {}
    }

    let connectors: ExchangeConnectors
    let keyring: any CredentialKeyring
    public let settings: Settings
    let logger: Logger

    public init(connectors: ExchangeConnectors, keyring: any CredentialKeyring, settings: Settings = Settings(),
                logger: Logger = Logger(label: "tradectl.live")) {
        self.connectors = connectors
        self.keyring = keyring
        self.settings = settings
        self.logger = logger
    }

    /// Places `placements` and cancels `cancels` (one execution's, any subscribers, any exchanges).
    ///
    /// - Parameter resume: query every order before placing it (the execution's earlier outcome
    ///   is unknown: a restart after a crash between placing and recording).
    /// - Returns: one result per placement and per cancel, placements first, each in input order.
    public func submit(_ placements: [LivePlacement], cancels: [LiveCancel] = [], resume: Bool = false) async -> [LiveResult] {
        var results = [LiveResult?](repeating: nil, count: placements.count + cancels.count)
        let jobs = placements.indices.map { (true, $0) } + cancels.indices.map { (false, $0) }
        await withTaskGroup(of: (Int, LiveResult).self) { group in
            var next = 0
            func start() {
                let (isPlacement, i) = jobs[next]
                let slot = next
                next += 1
                group.addTask {
                    let meter = ConnectorMeter()
                    let outcome: LiveOutcome = await ConnectorMeter.$current.withValue(meter) {
                        isPlacement ? await self.place(placements[i], resume: resume) : await self.cancel(cancels[i])
                    }
                    return (slot, LiveResult(kind: isPlacement ? .placement : .cancel, index: i,
                                             subscriptionID: isPlacement ? placements[i].subscriptionID : cancels[i].subscriptionID,
                                             clientID: isPlacement ? placements[i].clientID : cancels[i].clientID,
                                             outcome: outcome, requests: meter.requests, localNanos: meter.localNanos))
                }
            }
            while next < jobs.count && next < settings.concurrency { start() }
            while let (slot, result) = await group.next() {
                results[slot] = result
                if next < jobs.count { start() }
            }
        }
        return results.map { $0! }
    }

    private func open(_ userID: Int64, _ credentialID: String) async throws(ExchangeError) -> (ExchangeCredentials, any ExchangeConnector) {
        let creds = try await keyring.credentials(userID: userID, credentialID: credentialID)
        guard let connector = connectors.connector(creds.venue) else {
            throw ExchangeError(.invalidInput, "the credential names the paper exchange; nothing to place live")
        }
        return (creds, connector)
    }

    func place(_ p: LivePlacement, resume: Bool) async -> LiveOutcome {
        let creds: ExchangeCredentials, connector: any ExchangeConnector
        do {
            (creds, connector) = try await open(p.userID, p.credentialID)
        } catch {
            return .failed(error)
        }
        var delay = settings.retryDelayMs
        var mustQuery = resume
        var last = ExchangeError(.unknownOutcome, "not attempted")
        for attempt in 0..<max(1, settings.attempts) {
            if attempt > 0 {
                try? await Task.sleep(for: .milliseconds(delay))
                delay *= 2
            }
            if mustQuery {
                do {
                    if let found = try await connector.order(symbol: p.symbol, clientID: p.clientID, credentials: creds) { return .found(found) }
                    mustQuery = false
                } catch {
                    last = error
                    if error.code == .badCredentials || error.code == .banned { return .failed(error) }
                    continue  // the question itself failed: ask again before placing
                }
            }
            do {
                return .done(try await connector.place(p.request, credentials: creds))
            } catch {
                last = error
                switch error.code {
                case .unknownOutcome, .duplicateOrder:
                    mustQuery = true
                    if error.code == .duplicateOrder { delay = 0 }
                case .unreachable, .rateLimited, .timestampRejected:
                    continue
                case .filterFailure, .insufficientBalance, .rejected, .unsupported, .invalidInput:
                    return .rejected(error)
                default:
                    return .failed(error)
                }
            }
        }
        if mustQuery, let found = try? await connector.order(symbol: p.symbol, clientID: p.clientID, credentials: creds) {
            return .found(found)
        }
        logger.warning("live order not placed", metadata: ["subscription": "\(p.subscriptionID)", "error": "\(last.code)"])
        return .failed(last)
    }

    func cancel(_ c: LiveCancel) async -> LiveOutcome {
        let creds: ExchangeCredentials, connector: any ExchangeConnector
        do {
            (creds, connector) = try await open(c.userID, c.credentialID)
        } catch {
            return .failed(error)
        }
        var delay = settings.retryDelayMs
        var last = ExchangeError(.unknownOutcome, "not attempted")
        for attempt in 0..<max(1, settings.attempts) {
            if attempt > 0 {
                try? await Task.sleep(for: .milliseconds(delay))
                delay *= 2
            }
            do {
                return .done(try await connector.cancel(symbol: c.symbol, clientID: c.clientID, credentials: creds))
            } catch {
                last = error
                switch error.code {
                case .orderNotFound, .cancelRejected, .unknownOutcome:
                    // Already gone (filled, cancelled) or unknown: the exchange's report decides.
                    do {
                        guard let o = try await connector.order(symbol: c.symbol, clientID: c.clientID, credentials: creds) else {
                            if error.code == .unknownOutcome { continue }
                            return .rejected(error)
                        }
                        if o.state.isTerminal { return .found(o) }
                    } catch {
                        last = error
                    }
                case .unreachable, .rateLimited, .timestampRejected:
                    continue
                default:
                    return .failed(error)
                }
            }
        }
        return .failed(last)
    }
}
