import Foundation

/// Process-wide settings of the embedded Python. The first `StrategyHost` of a process applies
/// them; later hosts share the same interpreter.
public struct HostConfiguration: Sendable {
    /// The interpreter whose standard library and site-packages are used.
    public var executable = "/usr/bin/python3.11"
    /// Directories put on `sys.path` (the tradekit package, the managed site-packages).
    public var pythonPaths: [String]
    /// Modules imported into the main interpreter before any strategy loads (so they are loaded
    /// before the sandbox comes on, and never inside a call). Missing ones are reported, not fatal.
    public var preload: [String] = ["numpy", "pandas", "talib", "tradekit"]
    /// Directories every strategy may read under, besides the Python library paths.
    public var readRoots: [String] = ["/usr/share/zoneinfo"]
    /// How long an idle interpreter thread polls before it parks.
    public var spin: Duration = .microseconds(200)
    /// How long an async caller polls for a call's result before it suspends (at every level: at
    /// `process` it polls the worker's pipe). A call that ends while the caller polls returns
    /// without a suspension and a thread wake-up (about 50 µs on a virtual machine whose idle CPU
    /// has halted); polling keeps one core busy meanwhile.
    public var callerSpin: Duration = .microseconds(50)
    /// The longest a caller polls for a strategy call: each strategy's typical duration, so far
    /// as it stays below this. Zero keeps every call at `callerSpin`; both zero never poll.
    public var callerSpinLimit: Duration = .milliseconds(1)

    /// The `tradectl-sandbox` executable that serves `process`-level strategies: by default
    /// `TRADECTL_SANDBOX` from the environment, else a `tradectl-sandbox` next to the running executable.
    public var workerExecutable: String? = HostConfiguration.defaultWorkerExecutable
    /// A `process` worker is replaced after this many calls, or once its RSS passes `workerRSSLimit`.
    public var workerRecycleCalls = 10_000
    public var workerRSSLimit = 2 << 30
    /// Whether a worker missing a required kernel protection (`SandboxReport.Protections.required`)
    /// is refused (`strict`, the default) or run with an error in the log (`bestEffort`).
    public var workerSandbox = WorkerSandboxPolicy.strict
    /// Workers started as root drop to a uid and gid of their own above `workerUIDBase` (4,096 per
    /// host process, by its pid, then one per worker), so each has its own RLIMIT_NPROC account
    /// (`workerMaxThreads`) and two hosts on one machine never share a uid.
    public var workerUIDBase: UInt32 = 1_900_000_000
    /// RLIMIT_NPROC of a worker's uid: the threads it may have (it can start no process).
    public var workerMaxThreads = 512
    /// RLIMIT_AS of a worker.
    public var workerAddressSpace: UInt64 = 8 << 30
    /// RLIMIT_CPU of a worker: CPU seconds over its whole life before the kernel ends it (it is
    /// then restarted like a crashed one). Recycling after `workerRecycleCalls` usually comes first.
    public var workerCPUSeconds = 3_600
    /// At most this many `process` workers; strategies are pinned to one by a stable hash of
    /// their author, so authors share workers. Nil (the default): one worker per author, and
    /// different authors never share a process.
    public var workerPoolSize: Int?
    /// A worker idle this long is stopped; its strategies' next call starts a fresh one and
    /// reloads them. Nil keeps idle workers.
    public var workerIdleTimeout: Duration? = .seconds(600)

    public init(pythonPaths: [String]) {
        self.pythonPaths = pythonPaths
    }

    public static var defaultWorkerExecutable: String? {
        if let path = ProcessInfo.processInfo.environment["TRADECTL_SANDBOX"], FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        let me = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let sibling = me.deletingLastPathComponent().appendingPathComponent("tradectl-sandbox").path
        return FileManager.default.isExecutableFile(atPath: sibling) ? sibling : nil
    }

    /// What a worker may read (and execute) below, and nothing else: the system's libraries, the
    /// dynamic linker's cache, time zones, the Python paths, `readRoots`, and /proc — which in a
    /// worker is a procfs of its own PID namespace, listing itself only (libdispatch reads its
    /// threads' stat files there). Never the project's database or key files.
    var workerReadRoots: [String] {
        ["/usr", "/lib", "/lib64", "/etc/ld.so.cache", "/etc/localtime", "/dev/null", "/dev/urandom", "/proc"] + pythonPaths + readRoots
    }

    /// Finds `python/` (the tradekit package) and `.tradectl/site-packages` (TA-Lib and other
    /// operator-allowed packages) from `TRADECTL_HOME`, the executable's location or the working
    /// directory, whichever first holds `python/tradekit`.
    public static var discovered: HostConfiguration {
        HostConfiguration(pythonPaths: projectRoot.map { root in
            [root + "/python", root + "/.tradectl/site-packages"].filter { FileManager.default.fileExists(atPath: $0) }
        } ?? [])
    }

    /// The project directory holding `python/tradekit`, if one can be found.
    public static var projectRoot: String? {
        var candidates: [String] = []
        if let home = ProcessInfo.processInfo.environment["TRADECTL_HOME"] { candidates.append(home) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
            .deletingLastPathComponent().path)
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent().path {
            candidates.append(exe)
        }
        candidates.append(FileManager.default.currentDirectoryPath)
        for start in candidates {
            var dir = URL(fileURLWithPath: start).standardizedFileURL
            for _ in 0..<8 {
                if FileManager.default.fileExists(atPath: dir.appendingPathComponent("python/tradekit/__init__.py").path) {
                    return dir.path
                }
                dir.deleteLastPathComponent()
            }
        }
        return nil
    }
}

/// Which protections are active in this process, probed at start-up.
public struct HostCapabilities: Sendable, Equatable {
    /// numpy and pandas imported into the main interpreter.
    public var pandas: Bool
    /// TA-Lib imported (`talib`).
    public var talib: Bool
    /// numpy array data counts against the memory budget (NEP 49 handler installed).
    public var numpyMemoryBudget: Bool
    /// Candle frames are built straight from pandas' internals (about 5× cheaper than through
    /// `DataFrame(...)`); false on a pandas whose internals changed, where the public path is used.
    public var fastFrames = false
    /// Why something above is off.
    public var notes: [String]
}
