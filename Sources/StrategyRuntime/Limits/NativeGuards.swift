import CPython
import Synchronization

/// Guards on dangerous module functions (`os.write`, `_posixsubprocess.fork_exec`,
/// `gc.get_objects`, …): each is replaced by a builtin that refuses the call while strategy code
/// runs and otherwise calls the original.
///
/// The originals are held here, in Swift memory: the guard's `__self__` is only an index into
/// `originals`, and it has no closure, attribute or GC referent that leads to them. (Guards written
/// in Python kept the original in their closure, where strategy code could take it.) This is
/// defence in depth, not a boundary: a strategy can still reach unguarded copies (e.g. a fresh
/// module object from `_imp.create_builtin`) or raw memory; at the `process` level the kernel
/// confinement stops what those could do.
enum NativeGuards {
    /// The functions guarded, by module. An empty list means the same names as `os`.
    static let guarded: [(module: String, names: [String])] = [
        ("os", ["_exit", "abort", "fork", "forkpty", "kill", "killpg", "close", "closerange", "dup", "dup2",
                "write", "pwrite", "writev", "pwritev", "read", "pread", "readv", "preadv", "sendfile",
                "ftruncate", "lseek", "fchmod", "fchown", "setuid", "setgid", "seteuid", "setegid",
                "register_at_fork", "putenv", "unsetenv", "chdir", "fchdir", "chroot", "nice",
                "sched_setaffinity", "setsid", "setpgid", "openpty", "pipe", "pipe2", "mkfifo", "mknod",
                "memfd_create", "eventfd", "pidfd_open"]),
        ("posix", []),
        ("_posixsubprocess", ["fork_exec"]),
        ("signal", ["signal", "pthread_kill", "setitimer", "alarm", "siginterrupt", "set_wakeup_fd", "raise_signal",
                    "pidfd_send_signal"]),
        ("faulthandler", ["_sigsegv", "_read_null", "_fatal_error", "_stack_overflow", "_fatal_error_c_thread",
                          "_sigabrt", "_sigfpe", "enable", "register", "dump_traceback_later"]),
        ("_thread", ["start_new_thread", "interrupt_main"]),
        ("threading", ["_start_new_thread"]),
        ("gc", ["get_objects", "get_referrers", "get_referents", "disable", "freeze"]),
        ("sys", ["setrecursionlimit", "settrace", "setprofile", "setswitchinterval", "_clear_type_cache"]),
    ]

    /// One guarded function: the original (a strong reference) and its qualified name.
    private struct Entry {
        let original: PyPtr
        let name: String
        let interpreterID: Int
    }

    /// `@unchecked Sendable`: the pointers are used only with the GIL held, by the guard itself
    /// and by `release` on the owning interpreter's thread.
    private struct Table: @unchecked Sendable {
        var entries: [Entry?] = []
        /// One method definition per function name (CPython keeps a pointer to it).
        var definitions: [String: UnsafeMutablePointer<PyMethodDef>] = [:]
    }
    private static let table = Mutex(Table())

    /// Replaces every function of `guarded` in this interpreter's modules. GIL held.
    static func install(interpreterID: Int) {
        let osNames = guarded.first { $0.module == "os" }!.names
        for (moduleName, names) in guarded {
            guard let module = PyImport_ImportModule(moduleName) else {
                PyErr_Clear()
                continue
            }
            defer { Py_DecRef(module) }
            let dict = PyModule_GetDict(module)!
            for name in names.isEmpty ? osNames : names {
                guard let original = PyDict_GetItemString(dict, name), !isGuard(original) else { continue }
                guard let replacement = makeGuard(original, name: name, qualified: "\(moduleName).\(name)",
                                                  interpreterID: interpreterID) else {
                    PyErr_Clear()
                    continue
                }
                PyDict_SetItemString(dict, name, replacement)
                Py_DecRef(replacement)
            }
        }
    }

    /// Drops the originals held for an interpreter that is ending. GIL of that interpreter held.
    static func release(interpreterID: Int) {
        let dropped: [PyPtr] = table.withLock { t in
            var out: [PyPtr] = []
            for i in t.entries.indices where t.entries[i]?.interpreterID == interpreterID {
                out.append(t.entries[i]!.original)
                t.entries[i] = nil
            }
            return out
        }
        dropped.forEach { Py_DecRef($0) }
    }

    /// Whether `object` is one of these guards.
    static func isGuard(_ object: PyPtr) -> Bool {
        tc_builtin_function(object) == unsafeBitCast(guardCall, to: UnsafeMutableRawPointer.self)
    }

    private static func makeGuard(_ original: PyPtr, name: String, qualified: String, interpreterID: Int) -> PyPtr? {
        Py_IncRef(original)
        let (index, definition) = table.withLock { t -> (Int, UnsafeMutablePointer<PyMethodDef>) in
            t.entries.append(Entry(original: original, name: qualified, interpreterID: interpreterID))
            let def = t.definitions[name] ?? {
                let d = UnsafeMutablePointer<PyMethodDef>.allocate(capacity: 1)  // kept for the process's life
                d.initialize(to: PyMethodDef(ml_name: UnsafePointer(strdup(name)), ml_meth: unsafeBitCast(guardCall, to: PyCFunction.self),
                                             ml_flags: METH_VARARGS | METH_KEYWORDS, ml_doc: nil))
                t.definitions[name] = d
                return d
            }()
            return (t.entries.count - 1, def)
        }
        guard let key = PyLong_FromLong(index) else { return nil }
        defer { Py_DecRef(key) }
        return PyCMethod_New(definition, key, nil, nil)
    }

    /// The guard's body: refuse while strategy code runs on this thread, else call the original.
    private static let guardCall: @convention(c) (PyPtr?, PyPtr?, PyPtr?) -> PyPtr? = { key, args, kwargs in
        let index = key.map { PyLong_AsLong($0) } ?? -1
        let entry = table.withLock { t in index >= 0 && index < t.entries.count ? t.entries[index] : nil }
        guard let entry, let args else {
            PyErr_SetString(tc_exc_runtime_error(), "tradectl: unknown guarded function")
            return nil
        }
        if let limits = ThreadLimitsKey.current(), limits.pointee.sandboxActive,
           let sandbox = limits.pointee.sandbox?.takeUnretainedValue() {
            sandbox.refuse("\(entry.name) is not allowed")
            return nil
        }
        return PyObject_Call(entry.original, args, kwargs)
    }
}
