import CPython

/// The host module's objects inside one interpreter.
///
/// It lives on that interpreter's thread and is never shared: it is deliberately not `Sendable`.
/// It holds a strong reference to each object, dropped by `release()` before the interpreter ends
/// (an interpreter that lives as long as the process never drops them): dropping them in `deinit`
/// could run after `Py_EndInterpreter` freed them.
final class PythonContext {
    let isMain: Bool
    let interpreterID: Int
    let module: PyPtr
    let runLoadFn: PyPtr
    let invokeFn: PyPtr
    let describeFn: PyPtr
    let buildFrameFn: PyPtr
    let buildPureFrameFn: PyPtr
    let viewOfFn: PyPtr
    let state: PyPtr
    let timeoutType: PyPtr
    let violationType: PyPtr
    /// The per-thread limits record that the allocator and the audit hook read.
    let limits: UnsafeMutablePointer<ThreadLimits>
    /// The OS thread and the CPython thread id of the interpreter thread.
    let pthread: pthread_t
    let threadID: UInt

    init(isMain: Bool, interpreterID: Int, limits: UnsafeMutablePointer<ThreadLimits>) throws(PythonFailure) {
        self.isMain = isMain
        self.interpreterID = interpreterID
        self.limits = limits
        self.pthread = pthread_self()
        self.threadID = UInt(PyThreadState_GetID(PyThreadState_Get()))
        guard let mod = PyModule_New("_tradectl_host") else { throw PythonContext.bootFailure() }
        let module = PyRef(owning: mod)
        let dict = PyModule_GetDict(module.ptr)!
        if PyDict_GetItemString(dict, "__builtins__") == nil {
            PyDict_SetItemString(dict, "__builtins__", PyEval_GetBuiltins())
        }
        guard let code = Py_CompileString(hostSupportSource, "<tradectl host>", Py_file_input) else {
            throw PythonContext.bootFailure()
        }
        let codeRef = PyRef(owning: code)
        guard let ran = PyEval_EvalCode(codeRef.ptr, dict, dict) else { throw PythonContext.bootFailure() }
        Py_DecRef(ran)
        PyDict_SetItemString(PyImport_GetModuleDict(), "_tradectl_host", module.ptr)
        func get(_ name: String) throws(PythonFailure) -> PyPtr {
            guard let p = PyDict_GetItemString(dict, name) else {
                throw PythonFailure(typeName: "SystemError", message: "host module lacks \(name)", traceback: "", line: 0)
            }
            Py_IncRef(p)
            return p
        }
        runLoadFn = try get("run_load")
        invokeFn = try get("invoke")
        describeFn = try get("describe")
        buildFrameFn = try get("build_frame")
        buildPureFrameFn = try get("build_pure_frame")
        viewOfFn = try get("view_of")
        state = try get("state")
        timeoutType = try get("StrategyTimeout")
        violationType = try get("SandboxViolation")
        self.module = module.take()
    }

    /// Drops the references to the host module's objects. GIL held; the context is unusable after.
    func release() {
        for p in [runLoadFn, invokeFn, describeFn, buildFrameFn, buildPureFrameFn, viewOfFn, state, timeoutType, violationType, module] {
            Py_DecRef(p)
        }
    }

    /// Calls a function of the host module by name with owned arguments.
    func callHost(_ name: String, _ args: [PyPtr] = []) throws(PythonFailure) -> PyRef {
        let fn = try attribute(module, name)
        return try call(fn.ptr, args)
    }

    /// Sets `state.active` / `state.timing_out` (plain attribute writes, GIL held).
    func setFlag(_ name: String, _ on: Bool) {
        let v = tc_bool_new(on ? 1 : 0)
        PyObject_SetAttrString(state, name, v)
        Py_DecRef(v)
    }

    private static func bootFailure() -> PythonFailure {
        var type: PyPtr?, value: PyPtr?, tb: PyPtr?
        PyErr_Fetch(&type, &value, &tb)
        defer { Py_DecRef(type); Py_DecRef(value); Py_DecRef(tb) }
        var text = "unknown error"
        if let value, let s = PyObject_Str(value) {
            if let c = PyUnicode_AsUTF8(s) { text = String(cString: c) }
            Py_DecRef(s)
        }
        return PythonFailure(typeName: "SystemError", message: "host module failed to start: \(text)", traceback: "", line: 0)
    }
}
