import CPython
import Synchronization

/// The candle window of one (symbol, timeframe, candle), built into a Python object at most once
/// per interpreter and shared by every strategy called on it.
///
/// In the main interpreter it is a pandas DataFrame over read-only buffers (columns open, high,
/// low, close, volume, symbol; a UTC DatetimeIndex of open times); each strategy gets its own
/// shallow copy, so column inserts stay private and in-place writes to the shared buffers fail.
/// In a sub-interpreter it is a `PureFrame` of tuples.
public final class CandleFrame: Sendable {
    public let window: CandleWindow
    /// Unique in this process: `process`-level workers keep frames by it.
    public let id: UInt64
    private let built = Mutex<[Int: PyHandle]>([:])
    private static let nextID = Atomic<UInt64>(1)

    /// - Throws: `StrategyError` with code `invalidInput` when the window is malformed.
    public init(_ window: CandleWindow) throws(StrategyError) {
        try window.validate()
        self.window = window
        id = Self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    /// The shared object in `interp`, built on first use. GIL held; the pointer is borrowed.
    func object(in interp: Interpreter, _ py: PythonContext) throws(PythonFailure) -> PyPtr {
        if let h = built.withLock({ $0[interp.id] }) { return h.pointer }
        let obj = interp.isMain ? try buildDataFrame(py) : try buildPure(py)
        let handle = PyHandle(owning: obj.take()) { [thread = interp.thread] p in
            thread.submit { _ in Py_DecRef(p.raw) }
        }
        built.withLock { $0[interp.id] = handle }
        interp.own(handle)
        return handle.pointer
    }

    /// What one strategy receives: a new reference.
    func view(in interp: Interpreter, _ py: PythonContext) throws(PythonFailure) -> PyRef {
        let shared = try object(in: interp, py)
        if !interp.isMain { return PyRef(borrowing: shared) }
        return try py.call(py.viewOfFn, [PyRef(borrowing: shared).take()])
    }

    private func buildDataFrame(_ py: PythonContext) throws(PythonFailure) -> PyRef {
        let n = window.count
        var nanos = [Int64](repeating: 0, count: n)
        for i in 0..<n { nanos[i] = window.times[i] &* 1_000_000 }
        let times = try py.newBytes(nanos)
        let block = try py.newBytes(concatenating: [window.open, window.high, window.low, window.close, window.volume])
        return try py.call(py.buildFrameFn, [times.take(), block.take(), try py.newInt(n).take(),
                                                 try py.newString(window.symbol).take()])
    }

    private func buildPure(_ py: PythonContext) throws(PythonFailure) -> PyRef {
        func list(_ xs: [Double]) throws(PythonFailure) -> PyRef {
            let l = try py.check(PyList_New(xs.count))
            for (i, x) in xs.enumerated() { PyList_SetItem(l.ptr, i, PyFloat_FromDouble(x)) }
            return l
        }
        let t = try py.check(PyList_New(window.count))
        for (i, x) in window.times.enumerated() { PyList_SetItem(t.ptr, i, PyLong_FromLongLong(x)) }
        return try py.call(py.buildPureFrameFn, [
            t.take(), try list(window.open).take(), try list(window.high).take(), try list(window.low).take(),
            try list(window.close).take(), try list(window.volume).take(), try py.newString(window.symbol).take(),
        ])
    }
}
