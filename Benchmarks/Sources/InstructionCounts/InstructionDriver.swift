import Foundation

/// Runs a stripped copy of this executable under callgrind and reports instructions per call.
struct InstructionDriver {
    let calls: Int
    let json: Bool

    func run() -> Int32 {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-instructions-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        let copy = dir + "/InstructionCounts"
        guard runTool("/usr/bin/objcopy", ["--strip-debug", me, copy]) == 0 else { return fail("objcopy failed") }
        var env = ProcessInfo.processInfo.environment
        if env["TRADECTL_SANDBOX"] == nil, let root = env["TRADECTL_HOME"] ?? projectRoot(from: me) {
            env["TRADECTL_SANDBOX"] = ["release", "debug"].map { "\(root)/.build/\($0)/tradectl-sandbox" }
                .first { FileManager.default.isExecutableFile(atPath: $0) }
            env["TRADECTL_HOME"] = root
        }
        let status = runTool("/usr/bin/valgrind", ["--tool=callgrind", "--sim-hints=no-nptl-pthread-stackcache",
                                                   "--callgrind-out-file=\(dir)/cg.out", copy, "--child", "--calls", String(calls)],
                             environment: env, quiet: true)
        guard status == 0 else { return fail("the counted run failed (valgrind exit \(status))") }
        var counts: [String: Double] = [:]
        for file in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where file.hasPrefix("cg.out") {
            guard let text = try? String(contentsOfFile: "\(dir)/\(file)", encoding: .utf8) else { continue }
            let lines = text.split(separator: "\n")
            guard let label = lines.first(where: { $0.hasPrefix("desc: Trigger: Client Request: ") })?
                    .dropFirst("desc: Trigger: Client Request: ".count),
                  let total = lines.first(where: { $0.hasPrefix("summary: ") || $0.hasPrefix("totals: ") })?
                    .split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { continue }
            if label != "-" { counts[String(label)] = total }  // "-": the dump that zeroed the counts before a case
        }
        report(counts)
        return 0
    }

    private func report(_ counts: [String: Double]) {
        var perCall: [String: Double] = [:]
        for (name, total) in counts where !name.hasPrefix("sma500-floor") { perCall[name] = total / Double(calls) }
        if let loop = counts["sma500-floor-loop"], let copies = counts["sma500-floor-copies"] {
            perCall["sma500-floor"] = (loop - copies) / Double(calls)
        }
        let order = ["noop-shared", "noop-subinterpreter", "noop-process", "sma500-embedded", "sma500-floor", "sma500-process"]
        let shown = ["noop-process": "noop-process (host)", "sma500-process": "sma500-process (host)"]
        if json {
            let body = order.compactMap { n in perCall[n].map { "{\"name\": \"\(n)\", \"instructions_per_call\": \(Int($0))}" } }
            print("{\"calls\": \(calls), \"cases\": [" + body.joined(separator: ", ") + "]}")
            return
        }
        print("case                   instructions/call")
        for name in order {
            guard let v = perCall[name] else { continue }
            print((shown[name] ?? name).padding(toLength: 22, withPad: " ", startingAt: 0) + String(format: " %17.0f", v))
        }
        if let e = perCall["sma500-embedded"], let f = perCall["sma500-floor"] {
            print(String(format: "sma500 embedded / floor: %.3f", e / f))
        }
        print("(host): this process's side of a process-level round trip; the worker's instructions are not counted.")
    }

    private func projectRoot(from executable: String) -> String? {
        var dir = URL(fileURLWithPath: executable).deletingLastPathComponent()
        for _ in 0..<8 {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("python/tradekit/__init__.py").path) { return dir.path }
            dir.deleteLastPathComponent()
        }
        return nil
    }

    private func runTool(_ path: String, _ args: [String], environment: [String: String]? = nil, quiet: Bool = false) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        if let environment { p.environment = environment }
        if quiet { p.standardError = FileHandle.nullDevice }
        do { try p.run() } catch { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }

    private func fail(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("InstructionCounts: \(message)\n".utf8))
        return 1
    }
}
