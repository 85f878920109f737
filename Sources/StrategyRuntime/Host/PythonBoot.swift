import CPython
import Foundation

/// Initialises CPython once per process, on the thread that becomes the main interpreter's.
///
/// Order matters: pre-initialise, install the allocator hooks and the audit hook, then initialise
/// from an isolated `PyConfig` whose executable is Debian's python3.11 (so `sys.executable` and
/// the library paths never come from whatever `python3` is first on PATH).
enum PythonBoot {
    /// The signal the watchdog sends to interrupt a sleeping main-interpreter call.
    static let timeoutSignal = SIGUSR2

    static func initialize(_ config: HostConfiguration) -> String? {
        var pre = PyPreConfig()
        PyPreConfig_InitIsolatedConfig(&pre)
        pre.utf8_mode = 1
        var status = Py_PreInitialize(&pre)
        if PyStatus_Exception(status) != 0 { return statusMessage(status) }

        MemoryHooks.install()
        AuditPolicy.install()
        SharedAttributeGuard.install()

        var cfg = PyConfig()
        PyConfig_InitIsolatedConfig(&cfg)
        defer { PyConfig_Clear(&cfg) }
        cfg.install_signal_handlers = 0
        cfg.write_bytecode = 0
        cfg.parse_argv = 0
        cfg.site_import = 1
        cfg.user_site_directory = 0
        status = withUnsafeMutablePointer(to: &cfg) { p in
            let s = PyConfig_SetBytesString(p, &p.pointee.executable, config.executable)
            return PyStatus_Exception(s) != 0 ? s : PyConfig_SetBytesString(p, &p.pointee.program_name, config.executable)
        }
        if PyStatus_Exception(status) != 0 { return statusMessage(status) }
        status = Py_InitializeFromConfig(&cfg)
        if PyStatus_Exception(status) != 0 { return statusMessage(status) }
        return nil
    }

    private static func statusMessage(_ status: PyStatus) -> String {
        let fn = status.func.map { String(cString: $0) } ?? "Python"
        let msg = status.err_msg.map { String(cString: $0) } ?? "initialisation failed"
        return "\(fn): \(msg)"
    }

    /// Statements run in each new interpreter after the host module loads.
    static func setUpSource(paths: [String], isMain: Bool) -> String {
        let pathList = paths.map { "r'\($0)'" }.joined(separator: ", ")
        var s = """
        import sys
        for _p in [\(pathList)]:
            if _p not in sys.path:
                sys.path.insert(0, _p)
        sys.dont_write_bytecode = True
        """
        if isMain {
            s += "\nimport signal as _signal\n_signal.signal(\(timeoutSignal), on_timeout_signal)\n"
        } else {
            s += "\ninstall_pandas_refusal()\n"
        }
        return s
    }

    /// The Python library directories strategies may always read: every existing `sys.path`
    /// entry except the working directory.
    static func libraryRoots(_ py: PythonContext) -> [String] {
        guard let path = PySys_GetObject("path"), tc_is_list(path) != 0 else { return [] }
        let cwd = FileManager.default.currentDirectoryPath
        var roots: [String] = []
        for i in 0..<PyList_Size(path) {
            guard let entry = py.string(tc_list_item(path, i)), !entry.isEmpty, entry != cwd, entry != "." else { continue }
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: entry, isDirectory: &isDir), isDir.boolValue { roots.append(entry) }
        }
        return roots
    }
}
