import CSandbox
import Foundation
import Logging

/// A started `tradectl-sandbox` process: its pid, the two ends of its channel, the namespaces
/// it runs in, and a pump that forwards what it writes to stderr into the host's log.
///
/// Not `Sendable`: it belongs to the `ProcessWorker` that started it and is used under its lock.
final class WorkerProcess {
    let pid: pid_t
    /// The host writes requests here (the worker's stdin); -1 once closed.
    private(set) var input: Int32
    /// The host reads replies here (the worker's stdout).
    let output: Int32
    /// `SandboxReport.Protections` the host itself gave the worker (its network namespace).
    let hostProtections: SandboxReport.Protections
    private var exited: Int32?
    private let stderrPump: StderrPump

    /// Starts `executable` in new namespaces with an empty environment but `environment`.
    ///
    /// - Throws: `StrategyError` `unsupported` when the process cannot be started.
    init(executable: String, arguments: [String], environment: [String: String], logger: Logger) throws(StrategyError) {
        var toWorker: [Int32] = [-1, -1], fromWorker: [Int32] = [-1, -1], errors: [Int32] = [-1, -1]
        guard tcs_pipe(&toWorker, 0) == 0 else { throw Self.failure("pipe", errno) }
        guard tcs_pipe(&fromWorker, 0) == 0 else {
            Self.close(toWorker)
            throw Self.failure("pipe", errno)
        }
        guard tcs_pipe(&errors, 1) == 0 else {
            Self.close(toWorker + fromWorker)
            throw Self.failure("pipe", errno)
        }
        signal(SIGPIPE, SIG_IGN)  // a dead worker must give EPIPE, not end the host
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        let started = tcs_spawn(executable, argv, envp, toWorker[0], fromWorker[1], errors[1], 1)
        Self.close([toWorker[0], fromWorker[1], errors[1]])
        guard started.pid > 0 else {
            Self.close([toWorker[1], fromWorker[0], errors[0]])
            throw Self.failure("cannot start the worker process \(executable)", started.error)
        }
        pid = started.pid
        input = toWorker[1]
        output = fromWorker[0]
        hostProtections = started.namespaces & UInt32(TCS_NS_NET) != 0 ? .networkNamespace : []
        stderrPump = StderrPump(fd: errors[0], pid: started.pid, logger: logger)
        if started.namespace_error != 0 {
            logger.warning("sandbox worker started without its own namespaces",
                           metadata: ["pid": "\(pid)", "errno": "\(started.namespace_error)"])
        }
    }

    private static func failure(_ what: String, _ code: Int32) -> StrategyError {
        StrategyError(.unsupported, "\(what): \(String(cString: strerror(code)))")
    }

    private static func close(_ fds: [Int32]) {
        for fd in fds where fd >= 0 { Glibc.close(fd) }
    }

    /// Whether the process has not exited (reaps it once it has).
    var isRunning: Bool {
        guard exited == nil else { return false }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid || (r < 0 && errno == ECHILD) {
            exited = status
            return false
        }
        return true
    }

    /// How the process ended, e.g. "exit status 3" or "signal 9", once it has.
    var termination: String {
        guard let status = exited else { return "still running" }
        if status & 0x7f == 0 { return "exit status \((status >> 8) & 0xff)" }
        return "signal \(status & 0x7f)"
    }

    /// Closes the worker's stdin: a serving worker exits, a probing one runs what it was sent.
    func closeInput() {
        if input >= 0 { Glibc.close(input) }
        input = -1
    }

    /// The rest of the worker's output until it closes it, or until `end`.
    func readToEnd(until end: ContinuousClock.Instant) -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while ContinuousClock.now < end {
            var pfd = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, 50)
            if ready <= 0 { continue }
            let n = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress!, $0.count) }
            if n > 0 { out += chunk[..<n] } else if n < 0 && errno == EINTR { continue } else { break }
        }
        return out
    }

    /// Reads `count` bytes of the worker's output, or nil once `end` passes or the output closes.
    func readExactly(_ count: Int, until end: ContinuousClock.Instant) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let left = end - .now
            guard left > .zero else { return nil }
            var pfd = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let ms = Int32(max(1.0, min(Double(Int32.max), left / .milliseconds(1))))
            let ready = poll(&pfd, 1, ms)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            let r = out.withUnsafeMutableBytes { read(output, $0.baseAddress! + got, count - got) }
            if r > 0 { got += r } else if r < 0 && errno == EINTR { continue } else { return nil }
        }
        return out
    }

    /// The worker's hello: its confinement, plus the namespaces the host gave it.
    ///
    /// - Throws: `StrategyError` `unsupported` when none arrives by `end`, or it is not a hello of
    ///   this build's protocol.
    func hello(until end: ContinuousClock.Instant) throws(StrategyError) -> SandboxReport {
        guard let header = readExactly(4, until: end) else {
            for _ in 0..<100 where isRunning { usleep(5_000) }
            throw StrategyError(.unsupported, "the sandbox worker did not start (\(termination)); its stderr is in the log")
        }
        let n = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16 | Int(header[3]) << 24
        guard n <= 1 << 10, let body = readExactly(n, until: end) else {
            throw StrategyError(.unsupported, "the sandbox worker sent no hello")
        }
        do {
            guard case .hello(_, var report) = try WorkerResponse.decode(body, limits: StrategyLimits()) else {
                throw Wire.Malformed(description: "the first message is not a hello")
            }
            report.active.formUnion(hostProtections)
            return report
        } catch {
            throw StrategyError(.unsupported, "refused the sandbox worker: \(error)")
        }
    }

    /// Kills the process (and, as PID 1 of its namespace, everything it started) and reaps it,
    /// waiting at most `wait`.
    func kill(wait: Duration = .seconds(1)) {
        guard exited == nil else { return }
        Glibc.kill(pid, SIGKILL)
        let end = ContinuousClock.now + wait
        while isRunning, ContinuousClock.now < end { usleep(1_000) }
    }

    deinit {
        kill()
        closeInput()
        Self.close([output])
        stderrPump.stop()
    }
}

/// Forwards a worker's stderr to the log, one line per entry, at most `maxLines` lines of at most
/// 1 KiB each over the worker's life (then one note that the rest was dropped).
///
/// `@unchecked Sendable`: `buffer` and `lines` are touched only on `queue`, serially.
final class StderrPump: @unchecked Sendable {
    private let source: DispatchSourceRead
    private let queue = DispatchQueue(label: "tradectl.worker-stderr")
    private var buffer: [UInt8] = []
    private var lines = 0
    static let maxLines = 200

    init(fd: Int32, pid: pid_t, logger: Logger) {
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [self] in  // a cycle until `stop()` cancels the source
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n <= 0 {
                if n == 0 || (errno != EAGAIN && errno != EINTR) { flush(pid: pid, logger: logger, final: true); source.cancel() }
                return
            }
            buffer += chunk[..<n]
            flush(pid: pid, logger: logger, final: false)
        }
        source.setCancelHandler { Glibc.close(fd) }
        source.resume()
    }

    private func flush(pid: pid_t, logger: Logger, final: Bool) {
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) ?? (final && !buffer.isEmpty ? buffer.endIndex : nil) {
            let line = String(decoding: buffer[..<min(newline, 1_024)], as: UTF8.self)
            buffer.removeSubrange(..<min(newline + 1, buffer.endIndex))
            lines += 1
            if lines <= Self.maxLines {
                logger.info("sandbox worker", metadata: ["pid": "\(pid)", "stderr": "\(line)"])
            } else if lines == Self.maxLines + 1 {
                logger.warning("sandbox worker stderr: further lines dropped", metadata: ["pid": "\(pid)"])
            }
        }
        if buffer.count > 64 << 10 { buffer.removeAll() }  // one endless line
    }

    func stop() {
        source.cancel()
    }
}
