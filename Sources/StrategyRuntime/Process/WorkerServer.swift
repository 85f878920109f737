import CPython
import Foundation

/// The `process`-level worker's side: reads requests from the pipe the host gave as stdin,
/// answers on the one it gave as stdout (see `WorkerChannel`), and runs strategies in its own
/// embedded runtime at `shared`. Started by `tradectl sandbox-worker`.
public enum WorkerServer {
    /// Serves until stdin closes. Never returns normally.
    public static func serve(network: NetworkGuard = .auto, cpuSeconds: Int = 3_600) async -> Never {
        guard let notes = ProcessHardening.apply(network: network) else {
            log("tradectl sandbox-worker: no network guard could be applied; refusing to run strategies")
            exit(4)
        }
        log("tradectl sandbox-worker: \(notes.joined(separator: "; "))")
        guard let channel = WorkerChannel.takeStandardStreams() else {
            log("tradectl sandbox-worker: cannot move the channel off stdin/stdout")
            exit(5)  // before Landlock, which leaves /dev/null read-only
        }
        let host: StrategyHost
        do {
            host = try await StrategyHost()
        } catch {
            exit(3)
        }
        // numpy and pandas are loaded: from here on the worker reads only library files.
        let after = await ProcessHardening.confine(host, cpuSeconds: cpuSeconds)
        log("tradectl sandbox-worker: \(after.joined(separator: "; "))")
        // The request loop keeps the interpreter thread for the worker's life and exits the
        // process when the host closes the channel.
        host.main.thread.submit { py in
            var session = WorkerSession(host: host, channel: channel)
            session.serve(py)
            exit(0)
        }
        while true { try? await Task.sleep(for: .seconds(3_600)) }
    }

    /// Applies the same confinement as `serve`, then tries to open each path for reading with
    /// open(2) directly (no audit hook involved): "path ok" or "path errno N". For tests and operators.
    public static func probe(_ paths: [String], network: NetworkGuard = .auto) async -> [String] {
        guard let notes = ProcessHardening.apply(network: network) else { return ["no network guard"] }
        guard let host = try? await StrategyHost() else { return ["host failed to start"] }
        _ = await ProcessHardening.confine(host, cpuSeconds: 3_600)
        // Checked on the interpreter thread, where strategy code runs.
        let checks: [String]? = try? await host.main.call { _, once in
            let socketResult = tc_try_socket()
            let netns = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self/ns/net")) ?? "?"
            once.resume(.success(["uid \(getuid())", "network: \(notes.last ?? "")", "netns \(netns)",
                                  socketResult == 0 ? "socket ok" : "socket errno \(socketResult)"] + paths.map { path in
                let fd = open(path, O_RDONLY)
                if fd >= 0 {
                    close(fd)
                    return "\(path) ok"
                }
                return "\(path) errno \(errno)"
            }))
        }
        return checks ?? ["interpreter thread failed"]
    }

    /// Writes a line to stderr, ignoring failures (FileHandle.write would trap, e.g. on EFBIG).
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

/// Best-effort kernel limits a worker puts on itself before it loads any strategy.
enum ProcessHardening {
    /// Applies what this kernel allows; returns what is active, for the log, or nil when the
    /// network could not be closed (the worker must then not run strategies).
    static func apply(network: NetworkGuard) -> [String]? {
        var notes: [String] = []
        // No files larger than 0 bytes: a write past the sandbox fails with EFBIG (SIGXFSZ ignored).
        signal(SIGXFSZ, SIG_IGN)
        var fsize = rlimit(rlim_cur: 0, rlim_max: 0)
        notes.append(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &fsize) == 0 ? "RLIMIT_FSIZE 0" : "RLIMIT_FSIZE unavailable")
        // A new network namespace has only a down loopback: no sockets reach anything. Where the
        // kernel refuses one (or seccomp is asked for), seccomp makes socket(2) fail instead.
        // A namespace belongs to the thread that made it, so the worker re-executes itself from
        // that thread: the new process, and every thread it starts, is in the namespace.
        if network == .auto {
            if ProcessInfo.processInfo.environment["TRADECTL_WORKER_NETNS"] == "1" {
                notes.append("network namespace")
                return notes
            }
            if tc_unshare_net() == 0 {
                setenv("TRADECTL_WORKER_NETNS", "1", 1)
                execv("/proc/self/exe", CommandLine.unsafeArgv)  // returns only on failure: seccomp below
            }
        }
        let namespaceErrno = network == .auto ? errno : 0
        let rc = tc_seccomp_deny_sockets()
        guard rc == 0 else { return nil }
        notes.append(network == .auto ? "seccomp denies socket(2) (no network namespace: errno \(namespaceErrno))" : "seccomp denies socket(2)")
        return notes
    }

    /// After start-up: address-space and CPU caps and Landlock, reads only under the system
    /// library directories and the host's python paths (the project's python/ and site-packages —
    /// never the database). Landlock binds the thread that applies it and the threads it starts
    /// later, so it is applied on the interpreter thread, where strategy code runs, and on this one.
    static func confine(_ host: StrategyHost, cpuSeconds: Int) async -> [String] {
        let roots = ["/usr", "/lib", "/lib64", "/dev/null", "/dev/urandom"] + host.configuration.pythonPaths
        let onInterpreter: Int32 = (try? await host.main.call { _, once in
            once.resume(.success(withCStrings(roots) { tc_landlock_read_only($0, Int32(roots.count)) }))
        }) ?? -1
        var notes = confine(roots: roots, cpuSeconds: cpuSeconds)
        notes.insert(onInterpreter > 0 ? "Landlock on the interpreter thread" : "no Landlock on the interpreter thread (\(onInterpreter))", at: 0)
        return notes
    }

    private static func confine(roots: [String], cpuSeconds: Int) -> [String] {
        var notes: [String] = []
        notes.append(tc_limit_address_space(8 << 30) == 0 ? "RLIMIT_AS 8 GiB" : "RLIMIT_AS unavailable")
        notes.append(tc_limit_cpu(UInt64(max(1, cpuSeconds))) == 0 ? "RLIMIT_CPU \(cpuSeconds) s" : "RLIMIT_CPU unavailable")
        let abi = withCStrings(roots) { tc_landlock_read_only($0, Int32(roots.count)) }
        notes.append(abi > 0 ? "Landlock ABI \(abi): read-only under \(roots.joined(separator: ", "))" : "no Landlock (errno \(-abi))")
        // Started as root: become `nobody`, which cannot signal or trace the host, and cap its
        // processes and threads so a fork bomb stops early.
        if getuid() == 0 {
            if setgroups(0, nil) == 0, setgid(65534) == 0, setuid(65534) == 0 {
                notes.append(tc_limit_processes(256) == 0 ? "uid 65534, RLIMIT_NPROC 256" : "uid 65534")
            } else {
                notes.append("could not drop to uid 65534 (errno \(errno))")
            }
        }
        return notes
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>>) -> R) -> R {
        let copies = strings.map { strdup($0)! }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
