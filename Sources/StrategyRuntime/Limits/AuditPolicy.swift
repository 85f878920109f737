import CPython
import Foundation

/// The audit hook: while strategy code runs on the current thread, it refuses writes, reads
/// outside the allowed roots, sockets, processes, ctypes and other escapes.
///
/// Audit hooks are defence in depth, not a boundary: `_posixsubprocess.fork_exec` raises no
/// event, and C extensions can do anything. The `process` isolation level is the boundary.
enum AuditPolicy {
    static func install() {
        PySys_AddAuditHook(auditHook, nil)
    }

    /// Events refused outright while the sandbox is on.
    static let denied: Set<String> = [
        "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "os.startfile",
        "subprocess.Popen", "pty.spawn", "os.kill", "os.killpg", "signal.pthread_kill",
        "os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.link", "os.symlink",
        "os.truncate", "os.utime", "os.chflags", "os.lchflags", "os.setxattr", "os.removexattr",
        "os.putenv", "os.unsetenv", "os.chdir", "sys.addaudithook", "sqlite3.connect",
        "sqlite3.enable_load_extension", "builtins.input", "resource.setrlimit", "resource.prlimit",
        "urllib.Request", "http.client.connect", "webbrowser.open", "tradectl.denied",
        "os.truncate", "fcntl.fcntl", "fcntl.ioctl", "fcntl.flock", "fcntl.lockf", "winreg.OpenKey",
        "code.__new__",
    ]
    /// Event prefixes refused outright.
    static let deniedPrefixes = ["socket.", "ctypes.", "shutil.", "ftplib.", "smtplib.", "telnetlib.",
                                 "poplib.", "imaplib.", "nntplib.", "_winapi.", "msvcrt."]
    /// Modules whose import is refused while the sandbox is on.
    static let deniedImports: Set<String> = ["ctypes", "_ctypes", "cffi", "_cffi_backend", "mmap",
                                             "_xxsubinterpreters", "_xxinterpchannels"]  // a new interpreter has no guards

    /// Decides one event. Returns a reason to refuse it, or nil to allow it.
    static func verdict(_ event: String, _ args: PyPtr?, _ sandbox: SandboxState) -> String? {
        if denied.contains(event) {
            if event == "tradectl.denied", let args, PyTuple_Size(args) > 0,
               let s = PyObject_Str(tc_tuple_item(args, 0)) {
                defer { Py_DecRef(s) }
                if let c = PyUnicode_AsUTF8(s) { return "\(String(cString: c)) is not allowed" }
            }
            return "\(event) is not allowed"
        }
        for p in deniedPrefixes where event.hasPrefix(p) { return "\(event) is not allowed" }
        guard let args, tc_is_tuple(args) != 0 else { return nil }
        switch event {
        case "open":
            return openVerdict(args, sandbox)
        case "os.listdir", "os.scandir", "glob.glob", "os.walk":
            guard PyTuple_Size(args) > 0, let path = pathString(tc_tuple_item(args, 0)) else {
                return "\(event) on the current directory is not allowed"
            }
            return sandbox.mayRead(path) ? nil : "\(event)(\(path)) is outside the allowed read roots"
        case "import":
            guard PyTuple_Size(args) > 0, let name = pathString(tc_tuple_item(args, 0)) else { return nil }
            let top = String(name.prefix { $0 != "." })
            return deniedImports.contains(top) ? "import \(name) is not allowed" : nil
        case "mmap.__new__":
            guard PyTuple_Size(args) > 0 else { return nil }
            return PyLong_AsLong(tc_tuple_item(args, 0)) == -1 ? nil : "mmap of a file descriptor is not allowed"
        default:
            return nil
        }
    }

    private static func openVerdict(_ args: PyPtr, _ sandbox: SandboxState) -> String? {
        let n = PyTuple_Size(args)
        guard n >= 1 else { return nil }
        let target = tc_tuple_item(args, 0)
        if n >= 2 {
            let mode = tc_tuple_item(args, 1)
            if tc_is_unicode(mode) != 0, let c = PyUnicode_AsUTF8(mode) {
                let m = String(cString: c)
                if m.contains(where: { "wax+".contains($0) }) { return "opening a file for writing is not allowed" }
            }
        }
        if n >= 3 {
            let flags = PyLong_AsLong(tc_tuple_item(args, 2))
            if flags == -1 { PyErr_Clear() } else if flags & Int(O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND) != 0 {
                return "opening a file for writing is not allowed"
            }
        }
        if tc_is_long(target) != 0 { return "opening a file descriptor is not allowed" }
        guard let fsPath = PyOS_FSPath(target) else { PyErr_Clear(); return "opening that object is not allowed" }
        defer { Py_DecRef(fsPath) }
        guard let path = pathString(fsPath) else { return "opening that object is not allowed" }
        // CPython reopens a code object's pseudo-filename to quote the line of a SyntaxError; no such
        // file exists, and refusing it would replace the SyntaxError with a sandbox error.
        if path.hasPrefix("<strategy "), path.hasSuffix(">"), !path.contains("/") { return nil }
        return sandbox.mayRead(path) ? nil : "reading \(path) is outside the allowed read roots"
    }

    /// Whether the innermost Python frame runs strategy code. Compares C strings: no allocation.
    static func callerIsStrategy() -> Bool {
        guard let frame = PyEval_GetFrame(), let code = PyFrame_GetCode(frame) else { return false }
        let codeObject = UnsafeMutableRawPointer(code).assumingMemoryBound(to: PyObject.self)
        defer { Py_DecRef(codeObject) }
        guard let name = PyObject_GetAttrString(codeObject, "co_filename") else { PyErr_Clear(); return false }
        defer { Py_DecRef(name) }
        guard tc_is_unicode(name) != 0, let c = PyUnicode_AsUTF8(name) else { PyErr_Clear(); return false }
        return strncmp(c, "<strategy ", 10) == 0
    }

    /// The text of a str or bytes object, else nil.
    static func pathString(_ o: PyPtr) -> String? {
        if tc_is_unicode(o) != 0, let c = PyUnicode_AsUTF8(o) { return String(cString: c) }
        if tc_is_bytes(o) != 0, let c = PyBytes_AsString(o) { return String(cString: c) }
        PyErr_Clear()
        return nil
    }
}

/// Names of strategy modules, so the policy can tell strategy classes from shared ones.
enum StrategyModuleName {
    static let prefix = "strategy_"
    static func make(id: String, version: Int) -> String {
        let safe = String(id.map { $0.isLetter || $0.isNumber ? $0 : "_" })
        return "\(prefix)\(safe)_v\(version)"
    }
}

private let auditHook: @convention(c) (UnsafePointer<CChar>?, PyPtr?, UnsafeMutableRawPointer?) -> Int32 = { event, args, _ in
    guard let limits = ThreadLimitsKey.current(), limits.pointee.sandboxActive,
          let sandbox = limits.pointee.sandbox?.takeUnretainedValue(), let event else { return 0 }
    let name = String(cString: event)
    guard let reason = AuditPolicy.verdict(name, args, sandbox) else { return 0 }
    sandbox.refuse(reason)
    return -1
}
