import CSandbox
import Foundation

/// The kernel confinement of a `process`-level worker, as the worker reports it to the host in
/// its hello and the host checks it against `HostConfiguration.workerSandbox`.
public struct SandboxReport: Sendable, Equatable, CustomStringConvertible {
    /// One kernel mechanism.
    public struct Protections: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// Hardened while the process had one thread, so every later thread inherits it.
        public static let singleThread = Protections(rawValue: UInt32(TCS_SINGLE_THREAD))
        /// RLIMIT_FSIZE 0, RLIMIT_CORE 0, RLIMIT_AS and RLIMIT_CPU.
        public static let rlimits = Protections(rawValue: UInt32(TCS_RLIMITS))
        /// No capability in any set, an empty bounding set, not uid 0.
        public static let noPrivileges = Protections(rawValue: UInt32(TCS_NO_PRIVILEGES))
        /// Started as root and now the worker uid, with no supplementary groups.
        public static let uidDropped = Protections(rawValue: UInt32(TCS_UID_DROPPED))
        public static let noNewPrivs = Protections(rawValue: UInt32(TCS_NO_NEW_PRIVS))
        /// Reads only under the read roots; no writes anywhere.
        public static let landlockFilesystem = Protections(rawValue: UInt32(TCS_LANDLOCK_FS))
        /// No TCP bind or connect (Landlock ABI 4+).
        public static let landlockNetwork = Protections(rawValue: UInt32(TCS_LANDLOCK_NET))
        /// No signals and no abstract UNIX sockets outside the worker (Landlock ABI 6+).
        public static let landlockScope = Protections(rawValue: UInt32(TCS_LANDLOCK_SCOPE))
        /// The system-call filter: no exec, no new processes, no sockets, signals only to itself, …
        public static let seccomp = Protections(rawValue: UInt32(TCS_SECCOMP))
        /// PID 1 of its own PID namespace: it sees no other process, and whatever it started dies with it.
        public static let pidNamespace = Protections(rawValue: UInt32(TCS_PID_NAMESPACE))
        /// /proc shows the worker's PID namespace only.
        public static let privateProc = Protections(rawValue: UInt32(TCS_PRIVATE_PROC))
        /// Its own network namespace (added by the host, which made it when it started the worker).
        public static let networkNamespace = Protections(rawValue: 1 << 20)

        static let names: [(Protections, String)] = [
            (.singleThread, "single-thread"), (.rlimits, "rlimits"), (.noPrivileges, "no-privileges"), (.uidDropped, "uid-dropped"),
            (.noNewPrivs, "no-new-privs"), (.landlockFilesystem, "landlock-fs"), (.landlockNetwork, "landlock-net"),
            (.landlockScope, "landlock-scope"), (.seccomp, "seccomp"), (.pidNamespace, "pid-namespace"), (.privateProc, "private-proc"),
            (.networkNamespace, "network-namespace"),
        ]

        /// What `strict` requires of every worker (and `uidDropped` when the host runs as root).
        public static let required: Protections = [.singleThread, .rlimits, .noPrivileges, .noNewPrivs, .landlockFilesystem,
                                                   .seccomp, .pidNamespace, .privateProc]
    }

    public var active: Protections
    public var landlockABI: Int
    /// Threads the worker had when it hardened itself (1 is right).
    public var threads: Int
    /// The first step that failed, and its errno.
    public var failedStep: Protections
    public var errno: Int32
    /// The worker's user id after hardening.
    public var uid: UInt32

    public var description: String {
        let on = Protections.names.filter { active.contains($0.0) }.map(\.1)
        var text = on.joined(separator: ", ") + "; Landlock ABI \(landlockABI)"
        if !failedStep.isEmpty {
            let step = Protections.names.first { failedStep.contains($0.0) }?.1 ?? "step \(failedStep.rawValue)"
            text += "; \(step) failed: \(String(cString: strerror(errno)))"
        }
        return text
    }

    /// The required protections this report lacks (none is fine).
    public func missing(hostIsRoot: Bool) -> [String] {
        var need = Protections.required
        if hostIsRoot { need.insert(.uidDropped) }
        return Protections.names.filter { need.contains($0.0) && !active.contains($0.0) }.map(\.1)
    }
}

/// How strictly the host holds workers to `SandboxReport.Protections.required`.
public enum WorkerSandboxPolicy: String, Sendable, CaseIterable {
    /// A worker missing a required protection is refused (the call fails with `unsupported`).
    case strict
    /// Such a worker runs, and the host logs what it lacks at error level, once per worker.
    case bestEffort = "best-effort"
}

/// The worker's side: confines the process before it starts Python.
enum WorkerSandbox {
    /// Hardens the calling process for good (see `tcs_harden`). Call it on the only thread.
    static func harden(_ options: WorkerOptions) -> SandboxReport {
        let roots = options.readRoots.map { strdup($0) }
        defer { roots.forEach { free($0) } }
        var report = tcs_report()
        roots.map { UnsafePointer($0!) }.withUnsafeBufferPointer { buffer in
            var policy = tcs_policy(read_roots: buffer.baseAddress, read_root_count: Int32(buffer.count),
                                    address_space_bytes: options.addressSpaceBytes, cpu_seconds: UInt64(options.cpuSeconds),
                                    max_threads: options.maxThreads, uid: options.uid, gid: options.uid)
            _ = tcs_harden(&policy, &report)
        }
        return SandboxReport(active: SandboxReport.Protections(rawValue: report.active), landlockABI: Int(report.landlock_abi), threads: Int(report.threads),
                             failedStep: SandboxReport.Protections(rawValue: report.failed), errno: report.error, uid: getuid())
    }
}
