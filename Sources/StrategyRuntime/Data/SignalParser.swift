import CPython

/// Validates a strategy's return value into typed signals, per the contract in DESIGN.md.
///
/// Every problem is an `invalidSignal` error whose `field` names the culprit (`action`,
/// `[1].stopLoss`, `return`). GIL held.
enum SignalParser {
    static let priceFields = ["entryPrice", "stopLoss", "takeProfit"]
    /// Free-text keys a strategy may add for people; they are not interpreted.
    static let informational: Set<String> = ["reason", "comment", "tag"]

    static func parse(_ py: PythonContext, _ value: PyPtr, close: Double, symbol: String,
                      strategyID: String) throws(StrategyError) -> [Signal] {
        if value == tc_none() { return [] }
        if tc_is_dict(value) != 0 {
            return try one(py, value, prefix: "", close: close, symbol: symbol, strategyID: strategyID).map { [$0] } ?? []
        }
        if tc_is_list(value) != 0 {
            var out: [Signal] = []
            for i in 0..<PyList_Size(value) {
                let item = tc_list_item(value, i)
                guard tc_is_dict(item) != 0 else {
                    throw invalid("[\(i)]", "list item \(i) is a \(typeName(item)); expected a dict", strategyID)
                }
                if let s = try one(py, item, prefix: "[\(i)].", close: close, symbol: symbol, strategyID: strategyID) {
                    out.append(s)
                }
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
        return v
    }

    static func typeName(_ o: PyPtr) -> String {
        String(cString: o.pointee.ob_type.pointee.tp_name).split(separator: ".").last.map(String.init) ?? "object"
    }

    private static func invalid(_ field: String, _ message: String, _ strategyID: String) -> StrategyError {
        StrategyError(.invalidSignal, message, strategyID: strategyID, field: field)
    }
}
