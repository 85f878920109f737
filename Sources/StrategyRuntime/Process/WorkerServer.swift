import CPython
import Foundation

/// The `process`-level worker's side: reads requests on stdin, answers on stdout, and runs
/// strategies in its own embedded runtime at `shared`. Started by `tradectl sandbox-worker`.
public enum WorkerServer {
    /// Serves until stdin closes. Never returns normally.
    public static func serve() async -> Never {
        let notes = ProcessHardening.apply()
        log("tradectl sandbox-worker: \(notes.joined(separator: "; "))")
        let host: StrategyHost
        do {
            host = try await StrategyHost()
        } catch {
            exit(3)
        }
        // numpy and pandas are loaded: from here on the worker reads only library files.
        let after = ProcessHardening.confine(readRoots: host.configuration.pythonPaths)
        log("tradectl sandbox-worker: \(after.joined(separator: "; "))")
        var strategies: [UInt32: Strategy] = [:]
        var next: UInt32 = 1
        while let frame = readFrame(fd: 0) {
            let response: WorkerResponse
            do {
                switch try WorkerRequest.decode(frame) {
                case .load(let source, let limits):
                    do {
                        let s = try await host.load(source, isolation: .shared, limits: limits)
                        strategies[next] = s
                        response = .loaded(handle: next, takesContext: s.takesContext)
                        next += 1
                    } catch {
                        response = .failure(error)
                    }
                case .run(let handle, let window, let context):
                    if let s = strategies[handle] {
                        do {
                            response = .outcome(try await host.run(s, on: try host.frame(window), context: context))
                        } catch {
                            response = .failure(error)
                        }
                    } else {
                        response = .failure(StrategyError(.invalidInput, "unknown strategy handle \(handle)"))
                    }
                }
            } catch {
                response = .failure(StrategyError(.invalidInput, "malformed request: \(error)"))
            }
            guard writeAll(fd: 1, response.encode()) else { break }
        }
        exit(0)
    }

    /// Applies the same confinement as `serve`, then tries to open each path for reading with
    /// open(2) directly (no audit hook involved): "path ok" or "path errno N". For tests and operators.
    public static func probe(_ paths: [String]) async -> [String] {
        _ = ProcessHardening.apply()
        guard let host = try? await StrategyHost() else { return ["host failed to start"] }
        _ = ProcessHardening.confine(readRoots: host.configuration.pythonPaths)
        return ["uid \(getuid())"] + paths.map { path in
            let fd = open(path, O_RDONLY)
            if fd >= 0 {
                close(fd)
                return "\(path) ok"
            }
            return "\(path) errno \(errno)"
        }
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
    /// Applies what this kernel allows; returns what is active, for the log.
    static func apply() -> [String] {
        var notes: [String] = []
        // No files larger than 0 bytes: a write past the sandbox fails with EFBIG (SIGXFSZ ignored).
        signal(SIGXFSZ, SIG_IGN)
        var fsize = rlimit(rlim_cur: 0, rlim_max: 0)
        notes.append(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &fsize) == 0 ? "RLIMIT_FSIZE 0" : "RLIMIT_FSIZE unavailable")
        // A new network namespace has only a down loopback: no sockets reach anything.
        notes.append(tc_unshare_net() == 0 ? "network namespace" : "no network namespace (errno \(errno))")
        return notes
    }

    /// After start-up: an address-space cap and Landlock, reads only under the system library
    /// directories and `readRoots` (the project's python/ and site-packages — never the database).
    static func confine(readRoots: [String]) -> [String] {
        var notes: [String] = []
        notes.append(tc_limit_address_space(8 << 30) == 0 ? "RLIMIT_AS 8 GiB" : "RLIMIT_AS unavailable")
        let roots = ["/usr", "/lib", "/lib64", "/dev/null", "/dev/urandom"] + readRoots
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
