import CPython

/// What the allocator hooks and the audit hook need to know about the current call, per thread.
///
/// One record per interpreter thread, reached with `pthread_getspecific`, so that two
/// interpreters taking turns on the GIL never charge each other's budgets.
struct ThreadLimits {
    /// Counting Python and numpy allocations against `memoryLimit`.
    var memoryActive = false
    var memoryUsed = 0
    var memoryLimit = Int.max
    /// Set once an allocation was refused during the current call.
    var memoryExceeded = false
    /// Enforcing the sandbox policy (only while strategy code runs).
    var sandboxActive = false
    /// The policy and the violations of the current call; owned by the interpreter.
    var sandbox: Unmanaged<SandboxState>?
}

enum ThreadLimitsKey {
    /// The pthread key under which each interpreter thread stores its `ThreadLimits`.
    static let key: pthread_key_t = {
        var k = pthread_key_t()
        precondition(pthread_key_create(&k, nil) == 0)
        return k
    }()

    /// Allocates and registers the record for the calling thread.
    static func install() -> UnsafeMutablePointer<ThreadLimits> {
        let p = UnsafeMutablePointer<ThreadLimits>.allocate(capacity: 1)
        p.initialize(to: ThreadLimits())
        pthread_setspecific(key, p)
        return p
    }

    /// Unregisters and frees the calling thread's record (its interpreter has ended).
    static func remove(_ limits: UnsafeMutablePointer<ThreadLimits>) {
        pthread_setspecific(key, nil)
        limits.deinitialize(count: 1)
        limits.deallocate()
    }

    @inline(__always)
    static func current() -> UnsafeMutablePointer<ThreadLimits>? {
        pthread_getspecific(key)?.assumingMemoryBound(to: ThreadLimits.self)
    }
}
