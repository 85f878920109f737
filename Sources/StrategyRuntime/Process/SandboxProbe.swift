import Foundation

extension StrategyHost {
    /// Starts a sandbox worker exactly as `process` strategies get one, runs `code` in it with the
    /// in-process sandbox off, and returns the worker's confinement and what the code printed. It
    /// shows what the kernel confinement stops on its own, without the audit hook and the guards.
    ///
    /// - Parameters:
    ///   - code: Python source; what it prints is returned (a traceback if it raises).
    ///   - timeout: how long the worker may take to start, run and answer.
    /// - Throws: `StrategyError` `unsupported` when no worker can be started.
    public func probeSandbox(_ code: String, timeout: Duration = .seconds(60)) async throws(StrategyError) -> (sandbox: SandboxReport,
                                                                                                            output: String) {
        guard let exe = configuration.workerExecutable else {
            throw StrategyError(.unsupported, "no tradectl-sandbox executable (HostConfiguration.workerExecutable)")
        }
        var options = workerOptions(slot: 4_095)
        options.probe = true
        var env: [String: String] = [:]
        if let home = HostConfiguration.projectRoot { env["TRADECTL_HOME"] = home }
        let logger = self.logger
        let result: Result<(SandboxReport, String), StrategyError> = await withCheckedContinuation { c in
            DispatchQueue.global().async { [options, env] in
                c.resume(returning: Result { () throws(StrategyError) -> (SandboxReport, String) in
                    let end = ContinuousClock.now + timeout
                    let p = try WorkerProcess(executable: exe, arguments: options.arguments, environment: env, logger: logger)
                    let report = try p.hello(until: end)
                    guard WorkerServer.writeAll(fd: p.input, Array(code.utf8)) else {
                        throw StrategyError(.crashed, "the probe worker died before it read the code (\(p.termination))")
                    }
                    p.closeInput()
                    return (report, String(decoding: p.readToEnd(until: end), as: UTF8.self))
                })
            }
        }
        return try result.get()
    }
}
