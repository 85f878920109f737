import CPython
import Foundation

/// The `process`-level worker's side (the `tradectl-sandbox` executable): confines the process in
/// the kernel, starts its embedded runtime, says hello with its protocol version and confinement,
/// then reads requests from the pipe the host gave as stdin and answers on the one it gave as
/// stdout (see `WorkerChannel`), running strategies at `shared` inside.
public enum WorkerServer {
    /// The worker executable's entry point. Never returns.
    ///
    /// - Parameter arguments: the command line without the executable (`WorkerOptions`).
    public static func main(arguments: [String]) -> Never {
        let options: WorkerOptions
        switch WorkerOptions.parse(arguments) {
        case .success(let o): options = o
        case .failure(let e):
            log(e.description)
            exit(2)
        }
        // Before the confinement: Landlock leaves /dev/null read-only.
        guard let channel = WorkerChannel.takeStandardStreams() else {
            log("tradectl-sandbox: cannot move the channel off stdin/stdout")
            exit(5)
        }
        // On the process's only thread, so that every thread started later inherits all of it.
        let report = WorkerSandbox.harden(options)
        log("tradectl-sandbox: \(report)")
        Task { await serve(channel: channel, report: report, probe: options.probe) }
        dispatchMain()
    }

    private static func serve(channel: WorkerChannel, report: SandboxReport, probe: Bool) async -> Never {
        let host: StrategyHost
        do {
            host = try await StrategyHost()
        } catch {
            log("tradectl-sandbox: the runtime failed to start: \(error)")
            exit(3)
        }
        guard channel.send(.hello(protocolVersion: Wire.protocolVersion, sandbox: report)) else { exit(0) }
        if probe {
            let code = String(decoding: channel.readToEnd(), as: UTF8.self)
            let output = await host.main.runUnconfined(code)
            _ = writeAll(fd: channel.output, Array(output.utf8))
            exit(0)
        }
        // The request loop keeps the interpreter thread for the worker's life and exits the
        // process when the host closes the channel.
        host.main.thread.submit { py in
            var session = WorkerSession(host: host, channel: channel)
            session.serve(py)
            exit(0)
        }
        while true { try? await Task.sleep(for: .seconds(3_600)) }
    }

    /// Writes a line to stderr (which the host forwards to its log), ignoring failures.
    static func log(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress!, bytes.count) }
    }

    /// One length-prefixed frame, or nil at end of input or on a bad length.
    static func readFrame(fd: Int32) -> [UInt8]? {
        guard let header = readExactly(fd: fd, count: 4) else { return nil }
        let n = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16 | Int(header[3]) << 24
        guard n <= Wire.maxFrame else { return nil }
        return readExactly(fd: fd, count: n)
    }

    static func readExactly(fd: Int32, count: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let r = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, count - got) }
            if r > 0 { got += r } else if r < 0 && errno == EINTR { continue } else { return nil }
        }
        return out
    }

    static func writeAll(fd: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let w = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + sent, bytes.count - sent) }
            if w > 0 { sent += w } else if w < 0 && errno == EINTR { continue } else { return false }
        }
        return true
    }
}

extension Interpreter {
    /// Executes `code` as a module of its own with the in-process sandbox off, and returns what it
    /// printed (or its traceback). Only the worker's `--probe` mode uses it: it shows what the
    /// kernel confinement stops by itself.
    func runUnconfined(_ code: String) async -> String {
        await thread.perform { py in
            let driver = """
                import io as _io, sys as _sys, traceback as _tb
                _out = _io.StringIO()
                _saved = _sys.stdout
                _sys.stdout = _out
                try:
                    exec(compile(_source, "<probe>", "exec"), {"__name__": "__probe__"})
                except BaseException:
                    _tb.print_exc(file=_out)
                finally:
                    _sys.stdout = _saved
                _result = _out.getvalue()
                """
            guard let globals = PyDict_New() else { return "probe: no dict" }
            defer { Py_DecRef(globals) }
            PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins())
            do throws(PythonFailure) {
                let source = try py.newString(code)
                PyDict_SetItemString(globals, "_source", source.ptr)
                try py.exec(driver, globals: globals, filename: "<probe driver>")
            } catch {
                return "probe: \(error.message)"
            }
            return PyDict_GetItemString(globals, "_result").flatMap { py.string($0) } ?? "probe: no result"
        }
    }
}
