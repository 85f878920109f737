/// Where a strategy's Python runs.
public enum IsolationLevel: String, Sendable, CaseIterable, Codable {
    /// The host's main interpreter, in the strategy's own module namespace, with numpy and pandas.
    /// Other strategies share the interpreter: see the README for what this does not isolate.
    case shared
    /// A sub-interpreter of its own, for pure-Python strategies. numpy and pandas cannot load there.
    case subinterpreter
    /// A long-lived sandboxed worker process with hard limits (not built yet).
    case process
}
