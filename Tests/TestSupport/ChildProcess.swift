import Foundation

/// Runs a program to its end with `posix_spawn` and `waitpid`, for programs that leave a daemon
/// behind (`pg_ctl start`). Foundation's `Process` learns of a child's exit when a socket it gives
/// the child closes; a daemon inherits that socket, and the child then looks alive for as long as
/// the daemon lives. Here every descriptor above stderr is closed in the child.
enum ChildProcess {
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module
    /// does not import: looked up by name.
    static let closeFrom: CloseFrom = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            fatalError("glibc lacks posix_spawn_file_actions_addclosefrom_np (needs 2.34 or later)")
        }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()

    /// - Parameters:
    ///   - arguments: the program (an absolute path) and its arguments.
    ///   - directory: the working directory (through `env -C`).
    /// - Returns: the exit status and stdout and stderr merged.
    static func run(_ arguments: [String], in directory: String) throws -> (status: Int32, output: String) {
        let argv = ["/usr/bin/env", "-C", directory] + arguments
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw HarnessError("pipe() failed: errno \(errno)") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        guard closeFrom(&actions, 3) == 0 else { throw HarnessError("posix_spawn_file_actions_addclosefrom_np failed") }
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ)
        close(fds[1])
        guard spawned == 0 else {
            close(fds[0])
            throw HarnessError("cannot start \(arguments[0]): errno \(spawned)")
        }
        let output = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true).readDataToEndOfFile()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // Exit code when it exited, else 128 + the signal.
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (code, String(decoding: output, as: UTF8.self))
    }
}
