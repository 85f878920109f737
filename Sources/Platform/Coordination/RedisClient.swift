import CHiredis
import Foundation
import Synchronization

/// A reply from Redis, copied out of hiredis' memory.
public indirect enum RedisReply: Sendable, Equatable {
    case string(String)
    case status(String)
    case integer(Int64)
    case array([RedisReply])
    case null
    case error(String)
}

/// A blocking connection to one Redis server through hiredis, with timeouts and reconnection.
///
/// Calls are short loopback round trips (about 140 µs); they block the calling thread.
/// `@unchecked Sendable`: the hiredis context is only touched while `state`'s lock is held.
public final class RedisClient: @unchecked Sendable {
    public let host: String
    public let port: Int32
    private let timeoutMs: Int
    private let state = Mutex<OpaquePointer?>(nil)  // redisContext*

    /// - Parameter url: `redis://host:port` (default port 6379).
    public convenience init(url: String, timeoutMs: Int = 500) throws(PlatformError) {
        guard let u = URL(string: url), u.scheme == "redis", let host = u.host else {
            throw PlatformError(.invalidInput, "expected a URL like redis://127.0.0.1:6379, got '\(url)'")
        }
        self.init(host: host, port: Int32(u.port ?? 6379), timeoutMs: timeoutMs)
    }

    public init(host: String, port: Int32, timeoutMs: Int = 500) {
        self.host = host
        self.port = port
        self.timeoutMs = timeoutMs
    }

    deinit {
        state.withLock { ctx in if let c = ctx { redisFree(UnsafeMutablePointer(c)) } }
    }

    /// Sends one command; on a connection error reconnects once and retries.
    ///
    /// - Throws: `PlatformError.lockUnavailable` when Redis cannot be reached.
    public func command(_ args: [String]) throws(PlatformError) -> RedisReply {
        var lastError = ""
        for attempt in 0..<2 {
            let result = state.withLock { ctx -> Result<RedisReply, PlatformError> in
                if ctx == nil {
                    let c = redisConnectWithTimeout(host, port, tc_timeval_ms(timeoutMs))
                    if let c, c.pointee.err == 0 {
                        redisSetTimeout(c, tc_timeval_ms(timeoutMs))
                        ctx = OpaquePointer(c)
                    } else {
                        let why = c.map { String(cString: tc_redis_errstr($0)) } ?? "out of memory"
                        if let c { redisFree(c) }
                        return .failure(PlatformError(.lockUnavailable, "cannot connect to redis://\(host):\(port): \(why)"))
                    }
                }
                let c = UnsafeMutablePointer<redisContext>(ctx!)
                guard let raw = Self.send(c, args) else {
                    redisFree(c)
                    ctx = nil
                    return .failure(PlatformError(.lockUnavailable, "redis://\(host):\(port) connection lost"))
                }
                defer { freeReplyObject(raw) }
                return .success(Self.copy(raw.assumingMemoryBound(to: redisReply.self)))
            }
            switch result {
            case .success(let reply): return reply
            case .failure(let e):
                lastError = e.message
                if attempt == 0 { usleep(20_000) }
            }
        }
        throw PlatformError(.lockUnavailable, lastError)
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
