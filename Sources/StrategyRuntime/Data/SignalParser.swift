import CPython

/// Validates a strategy's return value into typed signals, per the contract in DESIGN.md.
///
/// Every problem is an `invalidSignal` error whose `field` names the culprit (`action`,
/// `[1].stopLoss`, `return`). GIL held.
enum SignalParser {
    static let priceFields = ["entryPrice", "stopLoss", "takeProfit"]
    /// Free-text keys a strategy may add for people; they are not interpreted.
    static let informational: Set<String> = ["reason", "comment", "tag"]

    /// A strategy's validated return value: its signals and its order intents, in the order given.
    struct Parsed {
        var signals: [Signal] = []
        var intents: [OrderIntent] = []
    }

    static func parse(_ py: PythonContext, _ value: PyPtr, close: Double, symbol: String,
                      strategyID: String) throws(StrategyError) -> Parsed {
        var out = Parsed()
        func item(_ dict: PyPtr, _ prefix: String) throws(StrategyError) {
            if IntentParser.isIntent(py, dict) {
                out.intents.append(try IntentParser.parse(py, dict, prefix: prefix, symbol: symbol, strategyID: strategyID))
            } else if let s = try one(py, dict, prefix: prefix, close: close, symbol: symbol, strategyID: strategyID) {
                out.signals.append(s)
            }
        }
        if value == tc_none() { return out }
        if tc_is_dict(value) != 0 {
            try item(value, "")
            return out
        }
        if tc_is_list(value) != 0 {
            guard PyList_Size(value) <= 1_000 else {
                throw invalid("return", "main() returned \(PyList_Size(value)) items; at most 1,000", strategyID)
            }
            for i in 0..<PyList_Size(value) {
                let element = tc_list_item(value, i)
                guard tc_is_dict(element) != 0 else {
                    throw invalid("[\(i)]", "list item \(i) is a \(typeName(element)); expected a dict", strategyID)
                }
                try item(element, "[\(i)].")
            }
            return out
        }
        throw invalid("return", "main() returned a \(typeName(value)); expected a dict, a list of dicts or None", strategyID)
    }

    private static func one(_ py: PythonContext, _ dict: PyPtr, prefix: String, close: Double, symbol: String,
                            strategyID: String) throws(StrategyError) -> Signal? {
        var pos: Py_ssize_t = 0
        var key: PyPtr?, val: PyPtr?
        while PyDict_Next(dict, &pos, &key, &val) != 0 {
            guard let k = key.flatMap({ py.string($0) }) else {
                throw invalid(prefix + "key", "signal keys must be strings", strategyID)
            }
            if k == "action" || k == "symbol" || priceFields.contains(k) || informational.contains(k) { continue }
            throw invalid(prefix + k, "unknown signal field '\(k)' (expected action, entryPrice, stopLoss, takeProfit, symbol)", strategyID)
        }
        guard let actionObj = PyDict_GetItemString(dict, "action") else {
            throw invalid(prefix + "action", "the signal has no action", strategyID)
        }
        guard let raw = py.string(actionObj) else {
            throw invalid(prefix + "action", "action must be a string, got \(typeName(actionObj))", strategyID)
        }
        guard let action = Signal.Action(rawValue: raw.uppercased()) else {
            throw invalid(prefix + "action", "unknown action '\(raw)' (expected BUY, SELL, CLOSE or HOLD)", strategyID)
        }
        if let symObj = PyDict_GetItemString(dict, "symbol"), symObj != tc_none() {
            guard let s = py.string(symObj) else {
                throw invalid(prefix + "symbol", "symbol must be a string, got \(typeName(symObj))", strategyID)
            }
            guard s == symbol else {
                throw invalid(prefix + "symbol", "symbol '\(s)' differs from the execution's symbol '\(symbol)'", strategyID)
            }
        }
        let entry = try price(py, dict, "entryPrice", prefix, strategyID) ?? close
        let stop = try price(py, dict, "stopLoss", prefix, strategyID)
        let take = try price(py, dict, "takeProfit", prefix, strategyID)
        if action == .hold { return nil }
        let signal = Signal(action: action, entryPrice: entry, stopLoss: stop, takeProfit: take, symbol: symbol)
        try signal.validate(prefix: prefix, strategyID: strategyID)
        return signal
    }

    /// A finite, positive price field, or nil when absent or None.
    private static func price(_ py: PythonContext, _ dict: PyPtr, _ name: String, _ prefix: String,
                              _ strategyID: String) throws(StrategyError) -> Double? {
        try number(py, dict, name, prefix, strategyID)
    }

    /// A finite, positive number field (within `bounds` when given), or nil when absent or None.
    static func number(_ py: PythonContext, _ dict: PyPtr, _ name: String, _ prefix: String, _ strategyID: String,
                       bounds: ClosedRange<Double>? = nil) throws(StrategyError) -> Double? {
        guard let obj = PyDict_GetItemString(dict, name), obj != tc_none() else { return nil }
        let field = prefix + name
        if tc_is_bool(obj) != 0 || tc_is_unicode(obj) != 0 || tc_is_bytes(obj) != 0 || PyNumber_Check(obj) == 0
            || typeName(obj) == "bool_" {
            throw invalid(field, "\(name) must be a number, got \(typeName(obj))", strategyID)
        }
        let v = PyFloat_AsDouble(obj)
        if v == -1, PyErr_Occurred() != nil {
            PyErr_Clear()
            throw invalid(field, "\(name) must be a real number, got \(typeName(obj))", strategyID)
        }
        guard v.isFinite else { throw invalid(field, "\(name) must be finite, got \(v)", strategyID) }
        guard v > 0 else { throw invalid(field, "\(name) must be > 0, got \(v)", strategyID) }
        if let bounds, !bounds.contains(v) {
            throw invalid(field, "\(name) must be from \(bounds.lowerBound) to \(bounds.upperBound), got \(v)", strategyID)
        }
        return v
    }

    static func typeName(_ o: PyPtr) -> String {
        String(cString: o.pointee.ob_type.pointee.tp_name).split(separator: ".").last.map(String.init) ?? "object"
    }

    private static func invalid(_ field: String, _ message: String, _ strategyID: String) -> StrategyError {
        StrategyError(.invalidSignal, message, strategyID: strategyID, field: field)
    }
}
