import Foundation
import StrategyRuntime

extension BinanceConnector {
    /// `POST /api/v3/order` (FULL response) or `POST /fapi/v1/order` (RESULT): MARKET, LIMIT
    /// GTC, and STOP_LOSS for spot stops; `reduceOnly` on futures. USDⓈ-M stops are conditional
    /// orders, which Binance takes only through the Algo Order API (`POST /fapi/v1/algoOrder`,
    /// `algoType=CONDITIONAL`, `type=STOP_MARKET`, `triggerPrice`, `clientAlgoId`), as ccxt sends them.
    public func place(_ r: LiveOrderRequest, credentials: ExchangeCredentials) async throws(ExchangeError) -> ExchangeOrder {
        let s = try await symbol(r.symbol)
        if venue == .binanceUSDM, r.type == .stop { return try await placeAlgo(r, s, credentials: credentials) }
        let start = ConnectorMeter.monotonicNanos()
        var p = FormParameters()
        p.add("symbol", r.symbol)
        p.add("side", r.side == .buy ? "BUY" : "SELL")
        switch r.type {
        case .market:
            p.add("type", "MARKET")
        case .limit:
            guard let price = r.price else { throw ExchangeError(.invalidInput, "a limit order needs a price") }
            p.add("type", "LIMIT")
            p.add("timeInForce", "GTC")
            p.add("price", DecimalText.format(price, step: s.rules.tickSize))
        case .stop:
            guard let stop = r.stopPrice else { throw ExchangeError(.invalidInput, "a stop order needs a stop price") }
            p.add("type", venue == .binanceSpot ? "STOP_LOSS" : "STOP_MARKET")
            p.add("stopPrice", DecimalText.format(stop, step: s.rules.tickSize))
        }
        p.add("quantity", DecimalText.format(r.quantity, step: s.rules.lotStep))
        if venue == .binanceUSDM, r.reduceOnly { p.add("reduceOnly", "true") }
        p.add("newClientOrderId", r.clientID)
        p.add("newOrderRespType", venue == .binanceSpot ? "FULL" : "RESULT")
        ConnectorMeter.add(since: start)
        let reply = try await call("POST", paths.order, p, credentials: credentials, weight: 1, orders: 1)
        return try mapped(reply, s)
    }

    public func cancel(symbol: String, clientID: String, credentials: ExchangeCredentials) async throws(ExchangeError) -> ExchangeOrder {
        let s = try await self.symbol(symbol)
        var p = FormParameters()
        p.add("symbol", symbol)
        p.add("origClientOrderId", clientID)
        do {
            let reply = try await call("DELETE", paths.order, p, credentials: credentials, weight: 1)
            return try mapped(reply, s)
        } catch where venue == .binanceUSDM && error.code == .orderNotFound {
            // Perhaps a conditional order: cancel it through the Algo Order API, then report it.
            var a = FormParameters()
            a.add("symbol", symbol)
            a.add("clientAlgoId", clientID)
            _ = try await call("DELETE", "/fapi/v1/algoOrder", a, credentials: credentials, weight: 1)
            guard let o = try await algoOrder(symbol: symbol, clientID: clientID, credentials: credentials) else { throw error }
            return o
        }
    }

    public func order(symbol: String, clientID: String, credentials: ExchangeCredentials) async throws(ExchangeError) -> ExchangeOrder? {
        let s = try await self.symbol(symbol)
        var p = FormParameters()
        p.add("symbol", symbol)
        p.add("origClientOrderId", clientID)
        do {
            let reply = try await call("GET", paths.order, p, credentials: credentials, weight: paths.weights.queryOrder)
            return try mapped(reply, s)
        } catch where error.code == .orderNotFound {
            return venue == .binanceUSDM ? try await algoOrder(symbol: symbol, clientID: clientID, credentials: credentials) : nil
        }
    }

    /// A USDⓈ-M conditional order by its `clientAlgoId`, or nil.
    func algoOrder(symbol: String, clientID: String, credentials: ExchangeCredentials) async throws(ExchangeError) -> ExchangeOrder? {
        var p = FormParameters()
        p.add("symbol", symbol)
        p.add("clientAlgoId", clientID)
        do {
            let reply = try await call("GET", "/fapi/v1/algoOrder", p, credentials: credentials, weight: 1)
            return BinanceWire.order(try decode(BinanceWire.AlgoOrderBody.self, reply))
        } catch where error.code == .orderNotFound {
            return nil
        }
    }

    private func placeAlgo(_ r: LiveOrderRequest, _ s: ExchangeSymbol, credentials: ExchangeCredentials) async throws(ExchangeError) -> ExchangeOrder {
        guard let stop = r.stopPrice else { throw ExchangeError(.invalidInput, "a stop order needs a stop price") }
        let start = ConnectorMeter.monotonicNanos()
        var p = FormParameters()
        p.add("algoType", "CONDITIONAL")
        p.add("symbol", r.symbol)
        p.add("side", r.side == .buy ? "BUY" : "SELL")
        p.add("type", "STOP_MARKET")
        p.add("quantity", DecimalText.format(r.quantity, step: s.rules.lotStep))
        p.add("triggerPrice", DecimalText.format(stop, step: s.rules.tickSize))
        if r.reduceOnly { p.add("reduceOnly", "true") }
        p.add("clientAlgoId", r.clientID)
        ConnectorMeter.add(since: start)
        let reply = try await call("POST", "/fapi/v1/algoOrder", p, credentials: credentials, weight: 1, orders: 1)
        return BinanceWire.order(try decode(BinanceWire.AlgoOrderBody.self, reply))
    }

    public func openOrders(symbol: String, credentials: ExchangeCredentials) async throws(ExchangeError) -> [ExchangeOrder] {
        let s = try await self.symbol(symbol)
        var p = FormParameters()
        p.add("symbol", symbol)
        let reply = try await call("GET", paths.openOrders, p, credentials: credentials, weight: paths.weights.openOrders)
        var open = try decode([BinanceWire.OrderBody].self, reply).map { BinanceWire.order($0, quoteAsset: s.quoteAsset, baseAsset: s.baseAsset) }
        if venue == .binanceUSDM {
            let algo = try await call("GET", "/fapi/v1/openAlgoOrders", p, credentials: credentials, weight: 1)
            open += try decode([BinanceWire.AlgoOrderBody].self, algo).map { BinanceWire.order($0) }
        }
        return open
    }

    public func balances(credentials: ExchangeCredentials) async throws(ExchangeError) -> [AssetBalance] {
        let reply = try await call("GET", paths.account, FormParameters(), credentials: credentials, weight: paths.weights.account)
        if venue == .binanceSpot {
            return try decode(BinanceWire.SpotAccount.self, reply).balances.map {
                AssetBalance(asset: $0.asset, free: BinanceWire.double($0.free), locked: BinanceWire.double($0.locked))
            }
        }
        return try decode(BinanceWire.FuturesAccount.self, reply).assets.map {
            let wallet = BinanceWire.double($0.walletBalance)
            let available = $0.availableBalance.map { BinanceWire.double($0) } ?? wallet
            return AssetBalance(asset: $0.asset, free: available, locked: max(0, wallet - available))
        }
    }

    public func positions(credentials: ExchangeCredentials) async throws(ExchangeError) -> [ExchangePosition] {
        guard venue == .binanceUSDM else { return [] }
        let reply = try await call("GET", paths.positions, FormParameters(), credentials: credentials, weight: 5)
        return try decode([BinanceWire.PositionRisk].self, reply).compactMap { p in
            let q = BinanceWire.double(p.positionAmt)
            guard q != 0 else { return nil }
            return ExchangePosition(symbol: p.symbol, quantity: q, entryPrice: BinanceWire.double(p.entryPrice),
                                    leverage: BinanceWire.double(p.leverage), liquidationPrice: BinanceWire.double(p.liquidationPrice),
                                    isolatedMargin: BinanceWire.double(p.isolatedMargin))
        }
    }

    /// Sets the symbol's leverage (`POST /fapi/v1/leverage`); futures only.
    public func setLeverage(symbol: String, leverage: Int, credentials: ExchangeCredentials) async throws(ExchangeError) {
        guard venue == .binanceUSDM else { throw ExchangeError(.unsupported, "leverage is a futures setting") }
        var p = FormParameters()
        p.add("symbol", symbol)
        p.add("leverage", Int64(leverage))
        _ = try await call("POST", "/fapi/v1/leverage", p, credentials: credentials, weight: 1)
    }

    private func mapped(_ reply: ExchangeHTTP.Reply, _ s: ExchangeSymbol) throws(ExchangeError) -> ExchangeOrder {
        let body = try decode(BinanceWire.OrderBody.self, reply)
        let start = ConnectorMeter.monotonicNanos()
        defer { ConnectorMeter.add(since: start) }
        return BinanceWire.order(body, quoteAsset: s.quoteAsset, baseAsset: s.baseAsset)
    }
}
