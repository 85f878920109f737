import CPython
import Foundation

/// The sandbox policy of one interpreter and the violations of its current call.
///
/// `@unchecked Sendable`: it is read and written only by the interpreter's own thread (the audit
/// hook runs on the thread that raised the event, and `sandboxActive` is set only on interpreter
/// threads), so there is never concurrent access.
final class SandboxState: @unchecked Sendable {
    /// Directories (real paths, with a trailing slash) under which strategy code may read.
    var readRoots: [String]
    /// The first violation of the current call, if any.
    var violation: String?
    /// The interpreter's `SandboxViolation` class, borrowed for the interpreter's lifetime.
    var violationType: PyPtr?

    init(readRoots: [String]) {
        self.readRoots = readRoots.map(SandboxState.normalizedRoot)
    }

    static func normalizedRoot(_ path: String) -> String {
        let real = realPath(path) ?? path
        return real.hasSuffix("/") ? real : real + "/"
    }

    static func realPath(_ path: String) -> String? {
        guard let r = realpath(path, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

    /// Whether reading `path` is allowed: its real path (or, for a missing file, its parent's)
    /// must lie under a read root.
    func mayRead(_ path: String) -> Bool {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var resolved = SandboxState.realPath(absolute)
        if resolved == nil {
            let parent = (absolute as NSString).deletingLastPathComponent
            resolved = SandboxState.realPath(parent).map { $0 + "/" + (absolute as NSString).lastPathComponent }
        }
        guard let resolved else { return false }
        return readRoots.contains { resolved.hasPrefix($0) || resolved + "/" == $0 }
    }

    /// Records a refusal and sets the Python exception for it. GIL held.
    func refuse(_ reason: String) {
        let message = "tradectl sandbox: \(reason)"
        if violation == nil { violation = message }
        PyErr_SetString(violationType ?? tc_exc_permission_error(), message)
    }
}
