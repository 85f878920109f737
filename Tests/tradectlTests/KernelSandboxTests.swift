import Foundation
import StrategyRuntime
import Testing

/// The kernel confinement of `process`-level workers (`tradectl-sandbox`): it must hold on every
/// thread, and stop every escape on its own, the in-process guards being reachable.
@Suite(.serialized) struct KernelSandboxTests {
    static let plain = "def main(data, ctx):\n    return {'action': 'BUY'}\n"

    /// `/proc/PID/task/*/status` fields of every thread of `pid`, by thread id.
    static func threadStatus(_ pid: Int32) throws -> [String: [String: String]] {
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")
        var out: [String: [String: String]] = [:]
        for tid in tasks {
            let text = try String(contentsOfFile: "/proc/\(pid)/task/\(tid)/status", encoding: .utf8)
            var fields: [String: String] = [:]
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2 { fields[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces) }
            }
            out[tid] = fields
        }
        return out
    }

    static func start(_ host: StrategyHost, author: String) async throws -> (Strategy, Int32) {
        var source = StrategySource(id: "kernel-\(author)", code: plain)
        source.author = author
        let s = try await host.load(source, isolation: .process)
        let frame = try host.frame(SyntheticCandles(seed: 3).generate(30))
        #expect(try await host.run(s, on: frame).signals.first?.action == .buy)
        return (s, try #require(s.workerPID))
    }

    /// Every thread of a worker — the thread-group leader too — runs without root, capabilities or
    /// new privileges, under the seccomp filter, in PID and network namespaces of its own.
    @Test func everyThreadOfAWorkerIsConfined() async throws {
        let host = try await StrategyHost()
        let (s, pid) = try await Self.start(host, author: "threads")
        let report = try #require(s.workerSandbox)
        #expect(report.missing(hostIsRoot: geteuid() == 0).isEmpty, "\(report)")
        #expect(report.active.contains(.networkNamespace), "\(report)")
        let threads = try Self.threadStatus(pid)
        #expect(threads.count > 1)
        for (tid, f) in threads {
            let uids = (f["Uid"] ?? "").split(separator: "\t").map(String.init)
            #expect(uids.count == 4 && !uids.contains("0"), "thread \(tid) uid \(uids)")
            if geteuid() == 0 { #expect(Set(uids).count == 1 && uids.first != "65534", "a uid of its own: \(uids)") }
            for cap in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
                #expect(f[cap] == "0000000000000000", "thread \(tid) \(cap) \(f[cap] ?? "?")")
            }
            #expect(f["NoNewPrivs"] == "1", "thread \(tid)")
            #expect(f["Seccomp"] == "2", "thread \(tid): seccomp filter mode")
            #expect(f["NSpid"]?.hasSuffix("\t\(f["NSpid"]!.split(separator: "\t").last!)") == true)
        }
        #expect(threads[String(pid)]?["NSpid"]?.split(separator: "\t").last == "1", "the leader is PID 1 of its namespace")
        for ns in ["pid", "net", "mnt"] {
            let mine = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/\(ns)")
            let its = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/\(ns)")
            #expect(mine != its, "\(ns) namespace shared with the host")
        }
    }

    /// With the in-process sandbox off, the kernel alone refuses: new processes and exec, sockets
    /// of every family, signals, pidfds and ptrace towards anything but itself, io_uring,
    /// namespaces and mounts, files outside the read roots, writes; /proc lists only itself.
    @Test func theKernelLayerAloneStopsEveryEscape() async throws {
        let host = try await StrategyHost()
        let (_, victim) = try await Self.start(host, author: "victim")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-kernel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let secret = dir.appendingPathComponent("platform.sqlite").path
        try "not for strategies".write(toFile: secret, atomically: true, encoding: .utf8)
        chmod(secret, 0o644)
        chmod(dir.path, 0o755)
        let code = "VICTIM = \(victim)\nSECRET = \"\(secret)\"\n"
            + (try String(contentsOfFile: CLI.fixtures + "/kernel_probe.py", encoding: .utf8))
        let (report, output) = try await host.probeSandbox(code)
        #expect(report.missing(hostIsRoot: geteuid() == 0).isEmpty, "\(report)")
        let data = try #require(output.split(separator: "\n").last.map { Data($0.utf8) }, "\(output)")
        let r = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(output)")
        for name in ["fork", "subprocess", "execv", "posix_spawn", "socket_inet", "socket_unix", "socket_netlink", "socketpair",
                     "kill_victim", "kill_group", "kill_all", "pidfd_open", "tkill", "ptrace", "process_vm_readv",
                     "io_uring_setup", "unshare_user", "mount", "setuid_root"] {
            #expect(r[name] as? Int == Int(EPERM), "\(name): \(r[name] ?? "missing")")
        }
        #expect(r["clone3"] as? Int == Int(ENOSYS), "clone3 must fall back to clone: \(r["clone3"] ?? "missing")")
        #expect(r["read_secret"] as? Int == Int(EACCES), "\(r["read_secret"] ?? "missing")")
        #expect(r["write_tmp"] as? Int == Int(EACCES), "\(r["write_tmp"] ?? "missing")")
        #expect(r["proc_pids"] as? [String] == ["1"], "its /proc lists only itself: \(r["proc_pids"] ?? "missing")")
        #expect(r["thread"] as? Bool == true, "threads still start")
        #expect(r["self_signal"] as? Bool == true, "signals to itself still work (the watchdog needs them)")
        #expect(try Self.threadStatus(victim)[String(victim)]?["State"]?.hasPrefix("T") == false, "the victim was not stopped")
    }

    /// A hostile strategy at `process` that goes around the in-process guards (raw memory through
    /// numpy, unguarded copies of builtin modules made through importlib): its child that would connect to a pathname UNIX
    /// socket and outlive it never starts, another author's worker is neither signalled nor stopped,
    /// and when its worker is killed nothing of it remains.
    @Test func aHostileStrategyCannotReachOtherWorkersOrOutliveItsOwn() async throws {
        let host = try await StrategyHost()
        let (victimStrategy, victim) = try await Self.start(host, author: "victim-b")
        let listener = try UnixListener()
        defer { listener.close() }
        var source = StrategySource(id: "escape-kernel", code: try String(contentsOfFile: CLI.fixtures + "/escape_kernel.py", encoding: .utf8))
        source.author = "attacker-a"
        let attacker = try await host.load(source, isolation: .process)
        let frame = try host.frame(SyntheticCandles(seed: 5).generate(30))
        let params = #"{"victim": \#(victim), "socket": "\#(listener.path)"}"#
        var stdout = "", failure = ""
        do {
            stdout = try await host.run(attacker, on: frame, context: StrategyCallContext(paramsJSON: params)).stdout
        } catch {
            (stdout, failure) = (error.stdout, "\(error)")  // an in-process guard may also have tripped
        }
        let line = try #require(stdout.split(separator: "\n").last, "no report: \(failure)")
        let r = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(stdout)")
        #expect(r["raw_read"] as? Bool == true, "raw memory is readable in-process (the layer is reachable): \(r)")
        #expect(r["closures"] as? [Bool] == [false, false, false], "no guard keeps its original in a closure: \(r)")
        #expect(r["unguarded"] as? [String] == ["builtin_function_or_method", "builtin_function_or_method"], "\(r)")
        for name in ["fork_exec", "pidfd_open", "pidfd_send_signal"] {
            let v = r[name] as? [Any] ?? []
            let kind = v.first as? String, code = v.count > 1 ? v[1] as? Int : nil
            #expect(kind == "errno" && code == Int(EPERM), "\(name), past the in-process layer: \(v)")
        }
        #expect((r["kill"] as? [Any])?.first as? String != "allowed", "kill: \(r["kill"] ?? "missing")")
        #expect(r["subinterpreters"] as? String != "importable", "a sub-interpreter would have no guards")
        #expect(listener.pendingConnection() == false, "something connected to the host's UNIX socket")
        #expect(try Self.threadStatus(victim)[String(victim)]?["State"]?.hasPrefix("T") == false, "the victim was stopped")
        #expect(try await host.run(victimStrategy, on: frame).signals.first?.action == .buy, "the other author's worker still serves")
        let attackerPID = try #require(attacker.workerPID)
        let uid = try #require(try Self.threadStatus(attackerPID)[String(attackerPID)]?["Uid"]?.split(separator: "\t").first)
        kill(attackerPID, SIGKILL)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try Self.processes(ofUID: String(uid)).isEmpty, "processes of the attacker's uid outlived its worker")
    }

    /// Every live process on the machine running as `uid` (a zombie waiting for its parent's
    /// wait is not running anything).
    static func processes(ofUID uid: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc").filter { $0.allSatisfy(\.isNumber) }.filter { pid in
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
            let lines = text.split(separator: "\n")
            let zombie = lines.first { $0.hasPrefix("State:") }?.contains("Z") ?? false
            return !zombie && lines.first { $0.hasPrefix("Uid:") }?.split(separator: "\t").dropFirst().first.map(String.init) == uid
        }
    }
}

/// A listening pathname UNIX socket anyone may connect to, in a fresh directory.
final class UnixListener {
    let path: String
    private let fd: Int32
    private let dir: String

    init() throws {
        dir = NSTemporaryDirectory() + "tradectl-sock-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        chmod(dir, 0o777)
        path = dir + "/s"
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        chmod(path, 0o777)
    }

    /// Whether a client connected (accepted and closed if so).
    func pendingConnection() -> Bool {
        let client = accept(fd, nil, nil)
        if client >= 0 { Glibc.close(client) }
        return client >= 0
    }

    func close() {
        Glibc.close(fd)
        try? FileManager.default.removeItem(atPath: dir)
    }
}

extension KernelSandboxTests {
    /// A host whose workers run under uids of their own range, so a test can count its workers
    /// (other suites' hosts run workers in this process at the same time).
    static func isolatedHost() async throws -> (StrategyHost, ClosedRange<UInt32>) {
        var config = HostConfiguration.discovered
        config.workerUIDBase = 3_000_000_000 + UInt32.random(in: 0..<4) * 300_000_000
        let first = config.workerUIDBase &+ (UInt32(truncatingIfNeeded: getpid()) & 0xFFFF) << 12
        return (try await StrategyHost(configuration: config), first...(first + 4_095))
    }

    /// Live processes (not zombies) running under a uid in `uids`.
    static func workers(_ uids: ClosedRange<UInt32>) -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc").filter { $0.allSatisfy(\.isNumber) }) ?? []
        return pids.filter { pid in
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
            let lines = text.split(separator: "\n")
            let zombie = lines.first { $0.hasPrefix("State:") }?.contains("Z") ?? false
            let uid = lines.first { $0.hasPrefix("Uid:") }?.split(separator: "\t").dropFirst().first.flatMap { UInt32($0) }
            return !zombie && uid.map(uids.contains) == true
        }
    }

    /// Upload validation loads the code in a worker of its own and stops it: a module that keeps
    /// 300 MiB leaves nothing behind, however many uploads; broken code still gets its load error.
    @Test func validationRunsInADisposableWorker() async throws {
        let (host, uids) = try await Self.isolatedHost()
        let heavy = "KEPT = bytearray(300 << 20)\ndef main(data):\n    return None\n"
        for i in 0..<3 {
            var source = StrategySource(id: "upload-\(i)", code: heavy)
            source.author = "uploader"
            #expect(try await host.validate(source) == false)
            #expect(Self.workers(uids).isEmpty, "validation \(i) left a worker running")
        }
        let e = await #expect(throws: StrategyError.self) {
            _ = try await host.validate(StrategySource(id: "broken", code: "def main(data:\n"))
        }
        #expect(e?.code == .load)
        #expect(Self.workers(uids).isEmpty)
        _ = try await Self.start(host, author: "kept")  // a loaded strategy's worker stays, and is seen
        #expect(Self.workers(uids).count == 1)
    }
}

extension KernelSandboxTests {
    /// `shutdown()` stops every worker the host started and ends its sub-interpreters.
    @Test func shutdownStopsTheHostsWorkers() async throws {
        let (host, uids) = try await Self.isolatedHost()
        for author in ["a", "b", "c"] { _ = try await Self.start(host, author: "shutdown-\(author)") }
        let sub = try await host.load(StrategySource(id: "sub", code: Self.plain), isolation: .subinterpreter)
        #expect(Self.workers(uids).count == 3)
        await host.shutdown()
        #expect(Self.workers(uids).isEmpty, "workers left after shutdown")
        let e = await #expect(throws: StrategyError.self) {
            _ = try await host.run(sub, on: try host.frame(SyntheticCandles(seed: 1).generate(10)))
        }
        #expect(e?.code == .unavailable, "the sub-interpreter ended")
    }
}
