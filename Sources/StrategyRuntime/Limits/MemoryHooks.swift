import CPython

/// Counts a call's Python allocations against its memory budget without touching small objects.
///
/// Two hooks, installed before `Py_InitializeFromConfig`:
/// - the RAW domain, which receives every block above pymalloc's 512-byte limit (large strings,
///   bytes, list and dict storage) and direct raw allocations, each charged at its usable size;
/// - the arena allocator, which receives pymalloc's 1 MiB arenas, so small objects count by the
///   arena they fill.
/// Small-object allocation itself stays on pymalloc's fast path. While a call is active on the
/// current thread, an allocation that would pass the budget returns NULL, which Python turns into
/// a clean `MemoryError`. The RAW hooks may run without the GIL; they only touch the calling
/// thread's own `ThreadLimits`.
enum MemoryHooks {
    /// The previous allocators; read by the hooks through their `ctx`. Written once, before init.
    nonisolated(unsafe) static var previousRaw = PyMemAllocatorEx()
    nonisolated(unsafe) static var previousArena = PyObjectArenaAllocator()

    /// Wraps the RAW domain and the arena allocator. Call after `Py_PreInitialize` and before
    /// `Py_InitializeFromConfig`.
    static func install() {
        PyMem_GetAllocator(PYMEM_DOMAIN_RAW, &previousRaw)
        var raw = PyMemAllocatorEx(ctx: &previousRaw, malloc: rawMalloc, calloc: rawCalloc, realloc: rawRealloc, free: rawFree)
        PyMem_SetAllocator(PYMEM_DOMAIN_RAW, &raw)
        PyObject_GetArenaAllocator(&previousArena)
        var arena = PyObjectArenaAllocator(ctx: &previousArena, alloc: arenaAlloc, free: arenaFree)
        PyObject_SetArenaAllocator(&arena)
    }

    /// Whether `bytes` more fit the current call's budget; marks the call when they do not.
    @inline(__always)
    static func admits(_ bytes: Int) -> Bool {
        guard let limits = ThreadLimitsKey.current(), limits.pointee.memoryActive else { return true }
        if bytes > 0 && limits.pointee.memoryUsed &+ bytes > limits.pointee.memoryLimit {
            limits.pointee.memoryExceeded = true
            return false
        }
        return true
    }

    /// Adds `bytes` (negative for a release) to the current call's use.
    @inline(__always)
    static func account(_ bytes: Int) {
        guard let limits = ThreadLimitsKey.current(), limits.pointee.memoryActive else { return }
        limits.pointee.memoryUsed &+= bytes
    }

    /// Checks and adds in one step; false when the budget refuses it.
    @inline(__always)
    static func charge(_ bytes: Int) -> Bool {
        guard admits(bytes) else { return false }
        account(bytes)
        return true
    }
}

private func previousRaw(_ ctx: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<PyMemAllocatorEx> {
    ctx!.assumingMemoryBound(to: PyMemAllocatorEx.self)
}

private let rawMalloc: @convention(c) (UnsafeMutableRawPointer?, Int) -> UnsafeMutableRawPointer? = { ctx, size in
    guard MemoryHooks.admits(size) else { return nil }
    let prev = previousRaw(ctx)
    let p = prev.pointee.malloc(prev.pointee.ctx, size)
    if let p { MemoryHooks.account(malloc_usable_size(p)) }
    return p
}

private let rawCalloc: @convention(c) (UnsafeMutableRawPointer?, Int, Int) -> UnsafeMutableRawPointer? = { ctx, count, elsize in
    let (total, overflow) = count.multipliedReportingOverflow(by: elsize)
    guard !overflow, MemoryHooks.admits(total) else { return nil }
    let prev = previousRaw(ctx)
    let p = prev.pointee.calloc(prev.pointee.ctx, count, elsize)
    if let p { MemoryHooks.account(malloc_usable_size(p)) }
    return p
}

private let rawRealloc: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int) -> UnsafeMutableRawPointer? = { ctx, ptr, size in
    let old = ptr.map { malloc_usable_size($0) } ?? 0
    guard MemoryHooks.admits(size &- old) else { return nil }
    let prev = previousRaw(ctx)
    let p = prev.pointee.realloc(prev.pointee.ctx, ptr, size)
    if let p { MemoryHooks.account(malloc_usable_size(p) &- old) }
    return p
}

private let rawFree: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Void = { ctx, ptr in
    guard let ptr else { return }
    MemoryHooks.account(-malloc_usable_size(ptr))
    let prev = previousRaw(ctx)
    prev.pointee.free(prev.pointee.ctx, ptr)
}

private let arenaAlloc: @convention(c) (UnsafeMutableRawPointer?, Int) -> UnsafeMutableRawPointer? = { ctx, size in
    guard MemoryHooks.charge(size) else { return nil }
    let prev = ctx!.assumingMemoryBound(to: PyObjectArenaAllocator.self)
    guard let p = prev.pointee.alloc(prev.pointee.ctx, size) else {
        MemoryHooks.account(-size)
        return nil
    }
    return p
}

private let arenaFree: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int) -> Void = { ctx, ptr, size in
    MemoryHooks.account(-size)
    let prev = ctx!.assumingMemoryBound(to: PyObjectArenaAllocator.self)
    prev.pointee.free(prev.pointee.ctx, ptr, size)
}
