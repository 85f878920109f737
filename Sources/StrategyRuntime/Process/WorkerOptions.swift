import Foundation

/// The command line of a `tradectl-sandbox` worker: what the host asks it to confine itself to.
struct WorkerOptions: Equatable {
    /// Directories (and files) the worker may read below; it writes nothing.
    var readRoots: [String] = []
    /// RLIMIT_CPU: CPU seconds over the worker's life.
    var cpuSeconds = 3_600
    /// RLIMIT_AS.
    var addressSpaceBytes: UInt64 = 8 << 30
    /// RLIMIT_NPROC of the worker's uid (its threads, since it can start no process).
    var maxThreads: UInt64 = 512
    /// The uid and gid a worker started as root drops to.
    var uid: UInt32 = 65_534
    /// Run Python from stdin with the in-process sandbox off, after the kernel confinement, and
    /// print what it prints: shows what the kernel layer stops on its own (tests, operators).
    var probe = false

    var arguments: [String] {
        var out: [String] = []
        for root in readRoots { out += ["--read-root", root] }
        out += ["--cpu-seconds", String(cpuSeconds), "--address-space", String(addressSpaceBytes),
                "--max-threads", String(maxThreads), "--uid", String(uid)]
        if probe { out.append("--probe") }
        return out
    }

    /// Parses `arguments` (without the executable); nil names the first bad argument.
    static func parse(_ args: [String]) -> Result<WorkerOptions, WorkerOptionsError> {
        var o = WorkerOptions()
        var i = 0
        func value() -> String? {
            i += 1
            return i < args.count ? args[i] : nil
        }
        while i < args.count {
            let flag = args[i]
            switch flag {
            case "--read-root":
                guard let v = value() else { return .failure(WorkerOptionsError(flag)) }
                o.readRoots.append(v)
            case "--cpu-seconds":
                guard let v = value().flatMap({ Int($0) }), v > 0 else { return .failure(WorkerOptionsError(flag)) }
                o.cpuSeconds = v
            case "--address-space":
                guard let v = value().flatMap({ UInt64($0) }) else { return .failure(WorkerOptionsError(flag)) }
                o.addressSpaceBytes = v
            case "--max-threads":
                guard let v = value().flatMap({ UInt64($0) }) else { return .failure(WorkerOptionsError(flag)) }
                o.maxThreads = v
            case "--uid":
                guard let v = value().flatMap({ UInt32($0) }), v != 0 else { return .failure(WorkerOptionsError(flag)) }
                o.uid = v
            case "--probe":
                o.probe = true
            default:
                return .failure(WorkerOptionsError(flag))
            }
            i += 1
        }
        return .success(o)
    }
}

struct WorkerOptionsError: Error, CustomStringConvertible {
    let argument: String
    init(_ argument: String) { self.argument = argument }
    var description: String { "tradectl-sandbox: bad or incomplete argument \(argument)" }
}
