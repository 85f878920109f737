import CPython

/// Layer 1 conversions between Swift values and Python objects. GIL held by the caller.
extension PythonContext {
    /// A UTF-8 view of a `str`, or nil when the object is not a `str`.
    func string(_ o: PyPtr) -> String? {
        guard tc_is_unicode(o) != 0 else { return nil }
        var size: Py_ssize_t = 0
        guard let utf8 = PyUnicode_AsUTF8AndSize(o, &size) else { PyErr_Clear(); return nil }
        return utf8.withMemoryRebound(to: UInt8.self, capacity: size) {
            String(decoding: UnsafeBufferPointer(start: $0, count: size), as: UTF8.self)
        }
    }

    func newString(_ s: String) throws(PythonFailure) -> PyRef {
        var s = s
        let p = s.withUTF8 { buf in
            buf.withMemoryRebound(to: CChar.self) { PyUnicode_FromStringAndSize($0.baseAddress, buf.count) }
        }
        return try check(p)
    }

    /// A str, or None for nil. New reference.
    func optionalString(_ s: String?) throws(PythonFailure) -> PyRef {
        guard let s else { return PyRef(owning: tc_none_new()) }
        return try newString(s)
    }

    func newInt(_ v: Int) throws(PythonFailure) -> PyRef { try check(PyLong_FromLong(v)) }

    /// A `bytes` object holding the raw memory of `values`.
    func newBytes<T: BitwiseCopyable>(_ values: [T]) throws(PythonFailure) -> PyRef {
        let p = values.withUnsafeBytes { raw in
            PyBytes_FromStringAndSize(raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count)
        }
        return try check(p)
    }

    /// One bytes object holding `columns` one after the other, copied straight into it.
    func newBytes(concatenating columns: [[Double]]) throws(PythonFailure) -> PyRef {
        let total = columns.reduce(0) { $0 + $1.count } * MemoryLayout<Double>.stride
        let bytes = try check(PyBytes_FromStringAndSize(nil, total))  // uninitialised until filled below
        var dst = UnsafeMutableRawPointer(PyBytes_AsString(bytes.ptr)!)
        for column in columns {
            column.withUnsafeBytes { src in
                if let base = src.baseAddress { dst.copyMemory(from: base, byteCount: src.count) }
                dst += src.count
            }
        }
        return bytes
    }

    /// Builds a tuple from owned items; the tuple steals them.
    func newTuple(_ items: [PyPtr]) throws(PythonFailure) -> PyRef {
        guard let t = PyTuple_New(items.count) else {
            for i in items { Py_DecRef(i) }
            throw fetchFailure()
        }
        for (i, item) in items.enumerated() { tc_tuple_set(t, i, item) }
        return PyRef(owning: t)
    }

    /// Calls `fn(*args)`; args are owned and consumed.
    func call(_ fn: PyPtr, _ args: [PyPtr]) throws(PythonFailure) -> PyRef {
        let tuple = try newTuple(args)
        return try check(PyObject_Call(fn, tuple.ptr, nil))
    }

    /// Reads `obj.name`.
    func attribute(_ obj: PyPtr, _ name: String) throws(PythonFailure) -> PyRef {
        try check(PyObject_GetAttrString(obj, name))
    }

    /// Sets `obj.name = value` (value borrowed).
    func setAttribute(_ obj: PyPtr, _ name: String, _ value: PyPtr) throws(PythonFailure) {
        if PyObject_SetAttrString(obj, name, value) != 0 { throw fetchFailure() }
    }

    /// Runs Python statements in `globals` (a dict).
    func exec(_ source: String, globals: PyPtr, filename: String = "<tradectl>") throws(PythonFailure) {
        let code = try check(Py_CompileString(source, filename, Py_file_input))
        _ = try check(PyEval_EvalCode(code.ptr, globals, globals))
    }
}
