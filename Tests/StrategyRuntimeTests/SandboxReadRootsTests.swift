import Foundation
@testable import StrategyRuntime
import Testing

/// The in-process read check: a path is readable when its real path lies under a read root; a
/// missing path is judged by its nearest existing ancestor (a fresh checkout has no `__pycache__`).
@Suite struct SandboxReadRootsTests {
    @Test func missingFilesUnderARootAreReadableAndEscapesAreNot() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-roots-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/pkg", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let sandbox = SandboxState(readRoots: [root])
        #expect(sandbox.mayRead(root + "/pkg/__init__.py"))
        #expect(sandbox.mayRead(root + "/pkg/__pycache__/__init__.cpython-311.pyc"), "a cache directory that does not exist yet")
        #expect(sandbox.mayRead(root + "/a/b/c/d.pyc"))
        #expect(!sandbox.mayRead(root + "/missing/../../../etc/passwd"))
        #expect(!sandbox.mayRead("/etc/passwd"))
        #expect(!sandbox.mayRead("/nonexistent-\(UUID().uuidString)/x.py"))
        try FileManager.default.createSymbolicLink(atPath: root + "/pkg/link", withDestinationPath: "/etc")
        #expect(!sandbox.mayRead(root + "/pkg/link/passwd"), "a symlink out of the root")
        #expect(!sandbox.mayRead(root + "/pkg/link/missing/x"), "a missing path below a symlink out of the root")
    }
}
