import CHiredis
import Foundation

/// A reply from Redis, copied out of hiredis' memory.
public indirect enum RedisReply: Sendable, Equatable {
    case string(String)
    case status(String)
    case integer(Int64)
    case array([RedisReply])
    case null
    case error(String)
}

/// A connection to one Redis server through hiredis, with timeouts and reconnection.
///
/// hiredis blocks while it waits for the server (about 140 µs on loopback, up to the timeout when
/// Redis is gone), so the client is an actor running on its own serial dispatch queue
/// (`DispatchQueueExecutor`): callers `await`, and no cooperative thread ever waits on Redis. Its
/// retry pause is a `Task.sleep`; the renewal loop's pauses are dispatch timers on its queue.
public actor RedisClient {
    public nonisolated let host: String
    public nonisolated let port: Int32
    private let timeoutMs: Int
    private var connection: RedisConnection?
    private nonisolated let executor: DispatchQueueExecutor

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    /// The client's queue as a task executor: a task preferring it starts there directly.
    nonisolated var taskExecutor: any TaskExecutor { executor }

    /// - Parameter url: `redis://host:port` (default port 6379).
    /// - Throws: `PlatformError.invalidInput` for anything else.
    public init(url: String, timeoutMs: Int = 500) throws(PlatformError) {
        guard let u = URL(string: url), u.scheme == "redis", let host = u.host else {
            throw PlatformError(.invalidInput, "expected a URL like redis://127.0.0.1:6379, got '\(url)'")
        }
        self.init(host: host, port: Int32(u.port ?? 6379), timeoutMs: timeoutMs)
    }

    public init(host: String, port: Int32, timeoutMs: Int = 500) {
        self.host = host
        self.port = port
        self.timeoutMs = timeoutMs
        executor = DispatchQueueExecutor(label: "tradectl.redis.\(host):\(port)")
    }

    /// Sends one command; on a connection error reconnects once and retries.
    ///
    /// - Throws: `PlatformError.lockUnavailable` when Redis cannot be reached.
    public func command(_ args: [String]) async throws(PlatformError) -> RedisReply {
        do {
            return try attempt(args)
        } catch {
            try? await Task.sleep(for: .milliseconds(20))
            return try attempt(args)
        }
    }

    /// Sends `args` every `interval` for as long as `keepGoing()` holds before each send, and stops
    /// at the first reply equal to `stopReply` (lock renewal). The pauses are dispatch timers on
    /// this client's queue, not `Task.sleep`: on Linux a sleeping task wakes through the
    /// cooperative pool, which busy tasks can hold past a lock's TTL. A send that fails is tried
    /// again at the next tick.
    public nonisolated func repeatCommand(_ args: [String], every interval: Duration, stopReply: RedisReply,
                                          while keepGoing: @escaping @Sendable () -> Bool) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            tick(args, every: interval, stopReply: stopReply, keepGoing: keepGoing, done: done)
        }
    }

    private nonisolated func tick(_ args: [String], every interval: Duration, stopReply: RedisReply,
                                  keepGoing: @escaping @Sendable () -> Bool, done: CheckedContinuation<Void, Never>) {
        executor.after(interval) { [self] in
            let stop = assumeIsolated { client in
                guard keepGoing() else { return true }
                return (try? client.attempt(args)) == stopReply
            }
            if stop {
                done.resume()
            } else {
                tick(args, every: interval, stopReply: stopReply, keepGoing: keepGoing, done: done)
            }
        }
    }

    private func attempt(_ args: [String]) throws(PlatformError) -> RedisReply {
        if connection == nil {
            let c = redisConnectWithTimeout(host, port, tc_timeval_ms(timeoutMs))
            guard let c, c.pointee.err == 0 else {
                let why = c.map { String(cString: tc_redis_errstr($0)) } ?? "out of memory"
                if let c { redisFree(c) }
                throw PlatformError(.lockUnavailable, "cannot connect to redis://\(host):\(port): \(why)")
            }
            redisSetTimeout(c, tc_timeval_ms(timeoutMs))
            connection = RedisConnection(c)
        }
        guard let c = connection?.context, let raw = Self.send(c, args) else {
            connection = nil
            throw PlatformError(.lockUnavailable, "redis://\(host):\(port) connection lost")
        }
        defer { freeReplyObject(raw) }
        return Self.copy(raw.assumingMemoryBound(to: redisReply.self))
    }

    private static func send(_ c: UnsafeMutablePointer<redisContext>, _ args: [String]) -> UnsafeMutableRawPointer? {
        let bytes = args.map { Array($0.utf8) }
        var lengths = bytes.map { $0.count }
        var pointers: [UnsafePointer<CChar>?] = []
        var buffers: [UnsafeMutablePointer<CChar>] = []
        for b in bytes {
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: max(b.count, 1))
            for (i, byte) in b.enumerated() { p[i] = CChar(bitPattern: byte) }
            buffers.append(p)
            pointers.append(UnsafePointer(p))
        }
        defer { buffers.forEach { $0.deallocate() } }
        return redisCommandArgv(c, Int32(args.count), &pointers, &lengths)
    }

    private static func copy(_ r: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let reply = r.pointee
        func text() -> String {
            guard let s = reply.str else { return "" }
            return String(decoding: UnsafeRawBufferPointer(start: s, count: Int(reply.len)), as: UTF8.self)
        }
        switch reply.type {
        case REDIS_REPLY_STRING: return .string(text())
        case REDIS_REPLY_STATUS: return .status(text())
        case REDIS_REPLY_INTEGER: return .integer(Int64(reply.integer))
        case REDIS_REPLY_NIL: return .null
        case REDIS_REPLY_ERROR: return .error(text())
        case REDIS_REPLY_ARRAY:
            return .array((0..<reply.elements).compactMap { i in tc_reply_element(r, i).map { copy($0) } })
        default: return .null
        }
    }
}

/// Owns one hiredis context: dropping it frees the context and closes the connection. Only the
/// `RedisClient` actor holds it, so it never crosses threads on its own.
private final class RedisConnection {
    let context: UnsafeMutablePointer<redisContext>

    init(_ context: UnsafeMutablePointer<redisContext>) {
        self.context = context
    }

    deinit { redisFree(context) }
}
