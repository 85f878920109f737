import CPython
import Dispatch

extension Interpreter {
    /// Ends a sub-interpreter for good: its watchdog thread, its Python state (`Py_EndInterpreter`)
    /// and its own thread. Calls made after this fail with `unavailable`.
    ///
    /// - Parameter main: the main interpreter, whose thread state briefly takes the GIL back from
    ///   the ended one on this interpreter's thread, to release it.
    func end(main: Interpreter) async {
        precondition(!isMain, "the main interpreter lives as long as the process")
        wedged.withLock { $0 = "the strategy was unloaded" }
        let watchdog = self.watchdog
        // It needs the GIL to delete its thread state: wait off the cooperative pool.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                watchdog.stopAndWait()
                done.resume()
            }
        }
        let mainState = await main.thread.perform { _ in InterpreterPointer(raw: PyThreadState_GetInterpreter(PyThreadState_Get())!) }
        let id = self.id
        let owned = self.owned.withLock { o in defer { o.removeAll() }; return o.values.compactMap(\.handle) }
        await thread.finish { py in
            owned.forEach { $0.dropNow() }
            NativeGuards.release(interpreterID: id)
            py.release()
            let limits = py.limits
            limits.pointee.sandbox?.release()
            limits.pointee.sandbox = nil
            Py_EndInterpreter(PyThreadState_Get())
            // The GIL is still held, with no thread state: take it over with one of the main
            // interpreter on this thread, and delete that (which releases the GIL).
            let handBack = PyThreadState_New(mainState.raw)
            PyThreadState_Swap(handBack)
            PyThreadState_Clear(handBack)
            PyThreadState_DeleteCurrent()
            ThreadLimitsKey.remove(limits)
        }
    }
}
