import CPython

/// Refuses assignments to attributes of shared classes (`pd.Series.rolling = ...`) made by
/// strategy code while its sandbox is on.
///
/// CPython 3.11 raises no audit event for `Class.attr = value`, so the guard replaces the
/// attribute setter of `type` before the interpreter starts. Every class and metaclass created
/// afterwards inherits it. Classes a strategy defines itself (module `strategy_…`) stay writable,
/// and library code (numpy and pandas setting their own class attributes) is never refused.
enum ClassAttributeGuard {
    /// `type`'s own setter, stored once in `install()` before CPython starts any thread.
    nonisolated(unsafe) private static var original: setattrofunc?

    /// Installs the guard. Call once, before `Py_InitializeFromConfig`.
    static func install() {
        original = tc_swap_type_setattro(guardedSetattro)
    }

    fileprivate static func forward(_ type: PyPtr?, _ name: PyPtr?, _ value: PyPtr?) -> Int32 {
        original!(type, name, value)
    }

    /// The reason to refuse writing `name` on class `type`, or nil. GIL held.
    fileprivate static func verdict(_ type: PyPtr, _ name: PyPtr) -> String? {
        guard AuditPolicy.callerIsStrategy() else { return nil }
        guard let modName = PyObject_GetAttrString(type, "__module__") else { PyErr_Clear(); return nil }
        defer { Py_DecRef(modName) }
        let module = AuditPolicy.pathString(modName) ?? ""
        if module.hasPrefix(StrategyModuleName.prefix) { return nil }
        let typeName = PyObject_GetAttrString(type, "__qualname__").map { q in
            defer { Py_DecRef(q) }
            return AuditPolicy.pathString(q) ?? "?"
        } ?? "?"
        PyErr_Clear()
        let attr = AuditPolicy.pathString(name) ?? "?"
        return "changing \(module).\(typeName).\(attr) is not allowed (monkeypatching shared code)"
    }
}

private let guardedSetattro: @convention(c) (PyPtr?, PyPtr?, PyPtr?) -> Int32 = { type, name, value in
    if let type, let name, let limits = ThreadLimitsKey.current(), limits.pointee.sandboxActive,
       let sandbox = limits.pointee.sandbox?.takeUnretainedValue(),
       let reason = ClassAttributeGuard.verdict(type, name) {
        sandbox.refuse(reason)
        return -1
    }
    return ClassAttributeGuard.forward(type, name, value)
}
