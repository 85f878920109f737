import CPython

/// Validates a strategy's order intents (ORDERS.md's extended contract): a dict with a `type`
/// (market, limit, stop) and BUY or SELL, or a CANCEL / CANCEL_ALL. Every problem is an
/// `invalidSignal` error naming the field (`[2].price`, `tag`). GIL held.
enum IntentParser {
    static let placeFields: Set<String> = ["action", "type", "quantity", "quote", "price", "stopPrice", "tag", "reduceOnly", "symbol",
                                           "reason", "comment"]
    static let cancelFields: Set<String> = ["action", "tag", "symbol", "reason", "comment"]

    /// Whether `dict` is an order intent rather than a signal: it has a `type`, or its action is
    /// CANCEL or CANCEL_ALL.
    static func isIntent(_ py: PythonContext, _ dict: PyPtr) -> Bool {
        if PyDict_GetItemString(dict, "type") != nil { return true }
        guard let action = PyDict_GetItemString(dict, "action").flatMap({ py.string($0) })?.uppercased() else { return false }
        return action == "CANCEL" || action == "CANCEL_ALL"
    }

    static func parse(_ py: PythonContext, _ dict: PyPtr, prefix: String, symbol: String,
                      strategyID: String) throws(StrategyError) -> OrderIntent {
        guard let actionObj = PyDict_GetItemString(dict, "action"), let raw = py.string(actionObj) else {
            throw invalid(prefix + "action", "an order intent needs an action: BUY, SELL, CANCEL or CANCEL_ALL", strategyID)
        }
        let action = raw.uppercased()
        try checkSymbol(py, dict, prefix: prefix, symbol: symbol, strategyID: strategyID)
        switch action {
        case "CANCEL_ALL":
            try onlyKnown(py, dict, cancelFields.subtracting(["tag"]), prefix: prefix, strategyID: strategyID, what: "CANCEL_ALL")
            return .cancelAll
        case "CANCEL":
            try onlyKnown(py, dict, cancelFields, prefix: prefix, strategyID: strategyID, what: "CANCEL")
            return .cancel(tag: try tag(py, dict, prefix: prefix, strategyID: strategyID))
        case "BUY", "SELL":
            try onlyKnown(py, dict, placeFields, prefix: prefix, strategyID: strategyID, what: "an order")
            return .place(try request(py, dict, side: action == "BUY" ? .buy : .sell, prefix: prefix, strategyID: strategyID))
        default:
            throw invalid(prefix + "action", "unknown order action '\(raw)' (expected BUY, SELL, CANCEL or CANCEL_ALL)", strategyID)
        }
    }

    private static func request(_ py: PythonContext, _ dict: PyPtr, side: OrderSide, prefix: String,
                                strategyID: String) throws(StrategyError) -> OrderRequest {
        guard let typeObj = PyDict_GetItemString(dict, "type"), let rawType = py.string(typeObj) else {
            throw invalid(prefix + "type", "type must be a string: market, limit or stop", strategyID)
        }
        guard let type = OrderType(rawValue: rawType.lowercased()) else {
            throw invalid(prefix + "type", "unknown order type '\(rawType)' (expected market, limit or stop)", strategyID)
        }
        let quantity = try SignalParser.number(py, dict, "quantity", prefix, strategyID, bounds: Double.leastNonzeroMagnitude...MarketBounds.maxQuantity)
        let quote = try SignalParser.number(py, dict, "quote", prefix, strategyID, bounds: Double.leastNonzeroMagnitude...MarketBounds.maxQuantity)
        let amount: OrderRequest.Amount
        switch (quantity, quote) {
        case (let q?, nil): amount = .quantity(q)
        case (nil, let a?): amount = .quote(a)
        case (.some, .some): throw invalid(prefix + "quote", "give quantity (base) or quote, not both", strategyID)
        case (nil, nil): throw invalid(prefix + "quantity", "an order needs a quantity (base) or a quote amount", strategyID)
        }
        let price = try SignalParser.number(py, dict, "price", prefix, strategyID, bounds: MarketBounds.price)
        let stopPrice = try SignalParser.number(py, dict, "stopPrice", prefix, strategyID, bounds: MarketBounds.price)
        switch type {
        case .limit:
            guard price != nil else { throw invalid(prefix + "price", "a limit order needs a price", strategyID) }
            if stopPrice != nil { throw invalid(prefix + "stopPrice", "a limit order takes no stopPrice", strategyID) }
        case .stop:
            guard stopPrice != nil else { throw invalid(prefix + "stopPrice", "a stop order needs a stopPrice", strategyID) }
            if price != nil { throw invalid(prefix + "price", "a stop(-market) order takes no price", strategyID) }
        case .market:
            if price != nil { throw invalid(prefix + "price", "a market order takes no price (it fills at the close)", strategyID) }
            if stopPrice != nil { throw invalid(prefix + "stopPrice", "a market order takes no stopPrice", strategyID) }
        }
        var reduceOnly = false
        if let r = PyDict_GetItemString(dict, "reduceOnly"), r != tc_none() {
            guard tc_is_bool(r) != 0 else {
                throw invalid(prefix + "reduceOnly", "reduceOnly must be True or False, got \(SignalParser.typeName(r))", strategyID)
            }
            reduceOnly = PyObject_IsTrue(r) == 1
        }
        return OrderRequest(side: side, type: type, amount: amount, price: price, stopPrice: stopPrice,
                            tag: try tag(py, dict, prefix: prefix, strategyID: strategyID), reduceOnly: reduceOnly)
    }

    private static func tag(_ py: PythonContext, _ dict: PyPtr, prefix: String, strategyID: String) throws(StrategyError) -> OrderTag {
        guard let obj = PyDict_GetItemString(dict, "tag"), obj != tc_none() else {
            throw invalid(prefix + "tag", "an order intent needs a tag (1–36 characters of A–Z a–z 0–9 _ . : -)", strategyID)
        }
        guard let text = py.string(obj) else {
            throw invalid(prefix + "tag", "tag must be a string, got \(SignalParser.typeName(obj))", strategyID)
        }
        guard let tag = OrderTag(text) else {
            throw invalid(prefix + "tag", "tag '\(text.prefix(40))' must be 1–36 characters of A–Z a–z 0–9 _ . : -", strategyID)
        }
        return tag
    }

    private static func checkSymbol(_ py: PythonContext, _ dict: PyPtr, prefix: String, symbol: String,
                                    strategyID: String) throws(StrategyError) {
        guard let obj = PyDict_GetItemString(dict, "symbol"), obj != tc_none() else { return }
        guard let s = py.string(obj), s == symbol else {
            throw invalid(prefix + "symbol", "symbol must be the execution's symbol '\(symbol)'", strategyID)
        }
    }

    private static func onlyKnown(_ py: PythonContext, _ dict: PyPtr, _ known: Set<String>, prefix: String, strategyID: String,
                                  what: String) throws(StrategyError) {
        var pos: Py_ssize_t = 0
        var key: PyPtr?, val: PyPtr?
        while PyDict_Next(dict, &pos, &key, &val) != 0 {
            guard let k = key.flatMap({ py.string($0) }) else { throw invalid(prefix + "key", "intent keys must be strings", strategyID) }
            if !known.contains(k) {
                throw invalid(prefix + k, "unknown field '\(k)' for \(what) (expected \(known.sorted().joined(separator: ", ")))", strategyID)
            }
        }
    }

    private static func invalid(_ field: String, _ message: String, _ strategyID: String) -> StrategyError {
        StrategyError(.invalidSignal, message, strategyID: strategyID, field: field)
    }
}
