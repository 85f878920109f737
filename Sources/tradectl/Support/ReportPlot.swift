import Foundation
import Platform

/// `--plot FILE.png`: the `--report` page rendered by headless Chromium (Debian's `chromium`, or
/// `TRADECTL_CHROMIUM`) and saved as a screenshot. No network: the page is a local file with
/// everything inline.
enum ReportPlot {
    static var chromium: String { ProcessInfo.processInfo.environment["TRADECTL_CHROMIUM"] ?? "/usr/bin/chromium" }

    /// - Throws: `PlatformError.invalidInput` (field `plot`) when Chromium is missing, fails,
    ///   takes longer than a minute or writes no PNG.
    static func write(html: String, to png: String, width: Int = 1280, height: Int = 1400) throws(PlatformError) {
        guard FileManager.default.isExecutableFile(atPath: chromium) else {
            throw PlatformError(.invalidInput, "--plot renders the report in headless Chromium, and \(chromium) is missing "
                                + "(install Debian's chromium, run scripts/setup.sh, or set TRADECTL_CHROMIUM)", field: "plot")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-plot-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let page = dir.appendingPathComponent("report.html")
        let target = URL(fileURLWithPath: png).standardizedFileURL
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try html.write(to: page, atomically: true, encoding: .utf8)
            try? FileManager.default.removeItem(at: target)
        } catch {
            throw PlatformError(.invalidInput, "cannot write the page to render: \(error)", field: "plot")
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                             "--user-data-dir=\(dir.appendingPathComponent("profile").path)", "--window-size=\(width),\(height)",
                             "--virtual-time-budget=5000", "--screenshot=\(target.path)", page.absoluteString]
        let log = Pipe()
        process.standardOutput = log
        process.standardError = log
        do {
            try process.run()
        } catch {
            throw PlatformError(.invalidInput, "cannot start \(chromium): \(error)", field: "plot")
        }
        let output = LockedData()
        let reader = Thread { output.set(log.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline { usleep(50_000) }
        if process.isRunning {
            process.terminate()
            throw PlatformError(.invalidInput, "headless Chromium did not finish the screenshot within 60 s", field: "plot")
        }
        guard process.terminationStatus == 0, FileManager.default.fileExists(atPath: target.path) else {
            usleep(100_000)
            throw PlatformError(.invalidInput, "headless Chromium wrote no screenshot (status \(process.terminationStatus)): "
                                + String(decoding: output.get().suffix(2_000), as: UTF8.self), field: "plot")
        }
    }
}

/// Bytes handed from the pipe reader's thread. `@unchecked Sendable`: a lock guards `data`.
private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.withLock { data = d } }
    func get() -> Data { lock.withLock { data } }
}
