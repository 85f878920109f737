import CPython

/// A Python exception turned into Swift values while the GIL is still held.
struct PythonFailure: Error, Sendable {
    /// How the host classified the exception, by the identity of its class (`kind_of` in
    /// python/tradectl_host.py), never by its name.
    enum Kind: String, Sendable {
        case timeout, state, loadProblem = "load-problem", contract, syntax, memory, exit, other
    }

    var typeName: String
    var message: String
    var traceback: String
    var line: Int
    var kind: Kind = .other
}

extension PythonContext {
    /// Fetches and clears the pending Python exception.
    ///
    /// - Returns: the failure, or a placeholder when no exception was set.
    func fetchFailure() -> PythonFailure {
        var type: PyPtr?, value: PyPtr?, tb: PyPtr?
        PyErr_Fetch(&type, &value, &tb)
        PyErr_NormalizeException(&type, &value, &tb)
        defer { Py_DecRef(type); Py_DecRef(value); Py_DecRef(tb) }
        guard let value else {
            return PythonFailure(typeName: "SystemError", message: "no Python exception was set", traceback: "", line: 0)
        }
        if let tb { PyException_SetTraceback(value, tb) }
        return describe(exception: value)
    }

    /// Describes an exception object with the host module's `describe`.
    func describe(exception: PyPtr) -> PythonFailure {
        guard let args = PyTuple_New(1) else { return fallbackFailure() }
        let argsRef = PyRef(owning: args)
        tc_tuple_set(argsRef.ptr, 0, PyRef(borrowing: exception).take())
        guard let out = PyObject_Call(describeFn, argsRef.ptr, nil) else { return fallbackFailure() }
        let result = PyRef(owning: out)
        return PythonFailure(
            typeName: string(tc_tuple_item(result.ptr, 0)) ?? "Exception",
            message: string(tc_tuple_item(result.ptr, 1)) ?? "",
            traceback: string(tc_tuple_item(result.ptr, 2)) ?? "",
            line: PyLong_AsLong(tc_tuple_item(result.ptr, 3)),
            kind: string(tc_tuple_item(result.ptr, 4)).flatMap(PythonFailure.Kind.init(rawValue:)) ?? .other
        )
    }

    private func fallbackFailure() -> PythonFailure {
        PyErr_Clear()
        return PythonFailure(typeName: "SystemError", message: "could not describe the Python exception", traceback: "", line: 0)
    }
}

/// Layer 2: turns a NULL result into a `PythonFailure` carrying the Python exception.
extension PythonContext {
    func check(_ p: PyPtr?) throws(PythonFailure) -> PyRef {
        guard let p else { throw fetchFailure() }
        return PyRef(owning: p)
    }
}
