import Foundation


/// A real redis-server on a free loopback port, stopped when the test ends. A missing
/// redis-server fails the test; it never skips.
public final class RedisHarness: @unchecked Sendable {  // @unchecked: used by one test at a time.
    public let port: Int32
    private var process: Process?

    public var url: String { "redis://127.0.0.1:\(port)" }

    public init() throws {
        port = try Self.freePort()
        try start()
    }

    deinit { stop() }

    public static var serverPath: String? {
        ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public func start() throws {
        guard let path = Self.serverPath else {
            throw HarnessError("redis-server is not installed; run scripts/setup.sh (tests that need Redis fail without it)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no", "--loglevel", "warning"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        for _ in 0..<100 {
            if Self.answersPing(port) { return }
            usleep(50_000)
        }
        throw HarnessError("redis-server did not answer on port \(port) within 5 s")
    }

    public func stop() {
        guard let p = process else { return }
        process = nil
        // Polls instead of waitUntilExit(), which can hang off the main run loop on Linux.
        if p.isRunning { p.terminate() }
        for _ in 0..<100 where p.isRunning { usleep(20_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        for _ in 0..<100 where p.isRunning { usleep(20_000) }
    }

    /// Stops the server and starts a new one on the same port.
    public func restart() throws {
        stop()
        try start()
    }

    /// Whether a server on the loopback port answers `PING` with `+PONG` (a plain socket: the
    /// harness's init is synchronous, and `RedisClient` is an actor).
    public static func answersPing(_ port: Int32) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withLoopback(port) { connect(fd, $0, $1) == 0 }
        guard connected, write(fd, "PING\r\n", 6) == 6 else { return false }
        var reply = [UInt8](repeating: 0, count: 16)
        let n = read(fd, &reply, reply.count)
        return n >= 5 && reply.prefix(5).elementsEqual("+PONG".utf8)
    }

    /// Calls `body` with 127.0.0.1:`port` as a `sockaddr` and its length (for bind and connect).
    public static func withLoopback<T>(_ port: Int32, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    public static func freePort() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket() failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw HarnessError("cannot find a free loopback port") }
        return Int32(UInt16(bigEndian: addr.sin_port))
    }
}

public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
