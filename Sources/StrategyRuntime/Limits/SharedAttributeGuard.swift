import CPython

/// Refuses monkeypatching of shared code: assignments (and deletions) by strategy code, while its
/// sandbox is on, to attributes of classes (`pd.Series.rolling = ...`) and modules
/// (`pd.concat = ...`) that the strategy did not define itself.
///
/// CPython 3.11 raises no audit event for either, so the guard replaces the attribute setters of
/// `type` and `module` before the interpreter starts; every class and metaclass created later
/// inherits the new one. Reads are untouched, so attribute lookups keep CPython's specialised
/// fast paths. Library code setting its own attributes (numpy and pandas caches) is never
/// refused: only a write whose innermost Python frame is strategy code is.
enum SharedAttributeGuard {
    /// The original setters, stored once in `install()` before CPython starts any thread.
    nonisolated(unsafe) fileprivate static var originalType: setattrofunc?
    nonisolated(unsafe) fileprivate static var originalModule: setattrofunc?

    /// Installs the guard. Call once, before `Py_InitializeFromConfig`.
    static func install() {
        originalType = tc_swap_type_setattro(guardedTypeSetattro)
        originalModule = tc_swap_module_setattro(guardedModuleSetattro)
    }

    /// Whether the write must be refused; if so the Python exception is set. GIL held.
    fileprivate static func refuses(_ owner: PyPtr?, _ name: PyPtr?, kind: String, ownerName: String) -> Bool {
        guard let owner, let name, let limits = ThreadLimitsKey.current(), limits.pointee.sandboxActive,
              let sandbox = limits.pointee.sandbox?.takeUnretainedValue(), AuditPolicy.callerIsStrategy() else { return false }
        guard let module = text(owner, ownerName) else { return false }
        if module.hasPrefix(StrategyModuleName.prefix) { return false }
        let qualified = kind == "class" ? "\(module).\(text(owner, "__qualname__") ?? "?")" : module
        sandbox.refuse("changing \(qualified).\(AuditPolicy.pathString(name) ?? "?") is not allowed (monkeypatching shared code)")
        return true
    }

    private static func text(_ o: PyPtr, _ attribute: String) -> String? {
        guard let v = PyObject_GetAttrString(o, attribute) else { PyErr_Clear(); return nil }
        defer { Py_DecRef(v) }
        return AuditPolicy.pathString(v)
    }
}

private let guardedTypeSetattro: @convention(c) (PyPtr?, PyPtr?, PyPtr?) -> Int32 = { owner, name, value in
    if SharedAttributeGuard.refuses(owner, name, kind: "class", ownerName: "__module__") { return -1 }
    return SharedAttributeGuard.originalType!(owner, name, value)
}

private let guardedModuleSetattro: @convention(c) (PyPtr?, PyPtr?, PyPtr?) -> Int32 = { owner, name, value in
    if SharedAttributeGuard.refuses(owner, name, kind: "module", ownerName: "__name__") { return -1 }
    return SharedAttributeGuard.originalModule!(owner, name, value)
}
