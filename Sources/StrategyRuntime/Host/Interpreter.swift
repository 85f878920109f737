import CPython
import Foundation
import Synchronization

/// One CPython interpreter, its dedicated thread, its watchdog and its sandbox state.
final class Interpreter: Sendable {
    let id: Int
    let isMain: Bool
    let thread: InterpreterThread
    let sandbox: SandboxState
    let watchdog: Watchdog
    /// Set while a quarantined call still occupies the thread; calls fail fast meanwhile.
    let wedged = Mutex<String?>(nil)
    /// Python objects of a sub-interpreter held from Swift (frames built in it), dropped before it
    /// ends: one still referenced would keep its module graph alive past `Py_EndInterpreter`.
    let owned = Mutex<[ObjectIdentifier: WeakHandle]>([:])
    private let callCounter = Atomic<UInt64>(0)

    private init(id: Int, isMain: Bool, thread: InterpreterThread, sandbox: SandboxState, watchdog: Watchdog) {
        self.id = id
        self.isMain = isMain
        self.thread = thread
        self.sandbox = sandbox
        self.watchdog = watchdog
    }

    func nextCallID() -> UInt64 { callCounter.add(1, ordering: .relaxed).newValue }

    /// Registers a handle to drop when this sub-interpreter ends (the main one never does).
    func own(_ handle: PyHandle) {
        guard !isMain else { return }
        owned.withLock { o in
            if o.count >= 256 { o = o.filter { $0.value.handle != nil } }
            o[ObjectIdentifier(handle)] = WeakHandle(handle: handle)
        }
    }

    /// What an interpreter thread reports after set-up.
    private struct Started: @unchecked Sendable {  // @unchecked: raw pointers, used only by the watchdog under the GIL.
        let target: Watchdog.Target
        let sandbox: SandboxState
        let capabilities: HostCapabilities?
    }

    /// Boots CPython on a new dedicated thread and returns the main interpreter.
    static func startMain(_ config: HostConfiguration) async throws(StrategyError) -> (Interpreter, HostCapabilities) {
        let thread = InterpreterThread(name: "tradectl-python-main", spin: config.spin, callerSpin: config.callerSpin,
                                         callerSpinLimit: config.callerSpinLimit)
        let started: Result<Started, StrategyError> = await withCheckedContinuation { cont in
            thread.start {
                if let failure = PythonBoot.initialize(config) {
                    cont.resume(returning: .failure(StrategyError(.unsupported, "CPython failed to start: \(failure)")))
                    return nil
                }
                let limits = ThreadLimitsKey.install()
                do throws(PythonFailure) {
                    let py = try PythonContext(isMain: true, interpreterID: 0, limits: limits)
                    try py.exec(PythonBoot.setUpSource(paths: config.pythonPaths, isMain: true),
                                globals: PyModule_GetDict(py.module))
                    let caps = preload(py, config)
                    NativeGuards.install(interpreterID: 0)
                    let sandbox = makeSandbox(py, config, limits)
                    let target = watchdogTarget(py)
                    let ts = PyEval_SaveThread()
                    cont.resume(returning: .success(Started(target: target, sandbox: sandbox, capabilities: caps)))
                    return threadBody(py, ts)
                } catch {
                    cont.resume(returning: .failure(StrategyError(.unsupported, "host module failed: \(error.message)",
                                                                  traceback: error.traceback)))
                    return nil
                }
            }
        }
        let s = try started.get()
        let interp = Interpreter(id: 0, isMain: true, thread: thread, sandbox: s.sandbox, watchdog: Watchdog(target: s.target))
        return (interp, s.capabilities!)
    }

    /// Creates a sub-interpreter on a new dedicated thread. numpy and pandas are refused there.
    static func startSub(id: Int, main: Interpreter, config: HostConfiguration) async throws(StrategyError) -> Interpreter {
        let mainState = await main.thread.perform { _ in InterpreterPointer(raw: PyThreadState_GetInterpreter(PyThreadState_Get())!) }
        let thread = InterpreterThread(name: "tradectl-python-sub-\(id)", spin: config.spin, callerSpin: config.callerSpin,
                                         callerSpinLimit: config.callerSpinLimit)
        let started: Result<Started, StrategyError> = await withCheckedContinuation { cont in
            thread.start {
                let boot = PyThreadState_New(mainState.raw)
                PyEval_RestoreThread(boot)
                guard let sub = Py_NewInterpreter() else {
                    PyThreadState_Clear(boot); PyThreadState_DeleteCurrent()
                    cont.resume(returning: .failure(StrategyError(.unsupported, "Py_NewInterpreter failed")))
                    return nil
                }
                PyThreadState_Clear(boot)
                PyThreadState_Delete(boot)
                let limits = ThreadLimitsKey.install()
                do throws(PythonFailure) {
                    let py = try PythonContext(isMain: false, interpreterID: id, limits: limits)
                    try py.exec(PythonBoot.setUpSource(paths: config.pythonPaths, isMain: false),
                                globals: PyModule_GetDict(py.module))
                    NativeGuards.install(interpreterID: id)
                    let sandbox = makeSandbox(py, config, limits)
                    let target = watchdogTarget(py)
                    let ts = PyEval_SaveThread()
                    cont.resume(returning: .success(Started(target: target, sandbox: sandbox, capabilities: nil)))
                    return threadBody(py, ts ?? sub)
                } catch {
                    cont.resume(returning: .failure(StrategyError(.unsupported, "sub-interpreter set-up failed: \(error.message)",
                                                                  traceback: error.traceback)))
                    return nil
                }
            }
        }
        let s = try started.get()
        return Interpreter(id: id, isMain: false, thread: thread, sandbox: s.sandbox, watchdog: Watchdog(target: s.target))
    }

    private static func threadBody(_ py: PythonContext, _ ts: UnsafeMutablePointer<PyThreadState>?) -> ThreadBody {
        let saved = TStateBox(ts)
        return ThreadBody(context: py, acquire: { PyEval_RestoreThread(saved.ts) }, release: { saved.ts = PyEval_SaveThread() })
    }

    private static func makeSandbox(_ py: PythonContext, _ config: HostConfiguration,
                                    _ limits: UnsafeMutablePointer<ThreadLimits>) -> SandboxState {
        let sandbox = SandboxState(readRoots: PythonBoot.libraryRoots(py) + config.readRoots + config.pythonPaths)
        sandbox.violationType = py.violationType
        limits.pointee.sandbox = Unmanaged.passRetained(sandbox)
        return sandbox
    }

    private static func watchdogTarget(_ py: PythonContext) -> Watchdog.Target {
        Watchdog.Target(interpreter: PyThreadState_GetInterpreter(PyThreadState_Get())!, timeoutType: py.timeoutType,
                        state: py.state, threadID: py.threadID, pthread: py.pthread, isMain: py.isMain)
    }

    private static func preload(_ py: PythonContext, _ config: HostConfiguration) -> HostCapabilities {
        var caps = HostCapabilities(pandas: false, talib: false, numpyMemoryBudget: false, notes: [])
        for name in config.preload {
            if let m = PyImport_ImportModule(name) {
                Py_DecRef(m)
                if name == "pandas" { caps.pandas = true }
                if name == "talib" { caps.talib = true }
            } else {
                let f = py.fetchFailure()
                caps.notes.append("preload \(name): \(f.typeName): \(f.message)")
            }
        }
        if caps.pandas {
            if let why = NumpyMemoryHandler.install(py) { caps.notes.append("numpy memory budget off: \(why)") } else {
                caps.numpyMemoryBudget = true
            }
            do throws(PythonFailure) {
                caps.fastFrames = py.string(try py.callHost("frame_path").ptr) == "fast"
                if !caps.fastFrames { caps.notes.append("frames are built through DataFrame(...): pandas' internals changed") }
            } catch {
                caps.notes.append("frame path unknown: \(error.message)")
            }
        }
        return caps
    }
}

/// A handle an interpreter may have to drop early; weak so that it never keeps one alive.
struct WeakHandle: Sendable {
    weak var handle: PyHandle?
}

/// A `PyInterpreterState *` handed from the main thread to a new sub-interpreter thread.
/// `@unchecked Sendable`: only passed to `PyThreadState_New`, which takes no GIL.
struct InterpreterPointer: @unchecked Sendable { let raw: OpaquePointer }

/// The saved thread state of an interpreter thread. Touched only by that thread.
private final class TStateBox {
    var ts: UnsafeMutablePointer<PyThreadState>?
    init(_ ts: UnsafeMutablePointer<PyThreadState>?) { self.ts = ts }
}
