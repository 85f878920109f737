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

    /// Whether reading `path` is allowed: its real path must lie under a read root. For a path that
    /// does not exist (yet), the real path of its nearest existing ancestor decides: Python looks
    /// for `__pycache__/….pyc` files that a fresh checkout does not have.
    func mayRead(_ path: String) -> Bool {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var missing: [String] = []
        var existing = absolute
        var resolved = SandboxState.realPath(existing)
        while resolved == nil, existing != "/", !existing.isEmpty, missing.count < 64 {
            missing.insert((existing as NSString).lastPathComponent, at: 0)
            existing = (existing as NSString).deletingLastPathComponent
            resolved = SandboxState.realPath(existing)
        }
        guard let base = resolved else { return false }
        let full = missing.isEmpty ? base : base + "/" + missing.joined(separator: "/")
        guard !missing.contains("..") else { return false }
        return readRoots.contains { full.hasPrefix($0) || full + "/" == $0 }
    }

    /// Records a refusal and sets the Python exception for it. GIL held.
    func refuse(_ reason: String) {
        let message = "tradectl sandbox: \(reason)"
        if violation == nil { violation = message }
        PyErr_SetString(violationType ?? tc_exc_permission_error(), message)
    }
}
