import CPython

/// Allocator hooks for the MEM and OBJ domains, installed before `Py_Initialize`.
///
/// Each block carries a 16-byte header with its size, so frees and reallocs can be counted. While
/// a call is active on the current thread, an allocation that would pass the budget returns NULL,
/// which Python turns into a clean `MemoryError`.
enum MemoryHooks {
    static let headerBytes = 16

    /// The previous allocators; read by the hooks through their `ctx`. Written once, before init.
    nonisolated(unsafe) static var previousMem = PyMemAllocatorEx()
    nonisolated(unsafe) static var previousObj = PyMemAllocatorEx()

    /// Wraps the MEM and OBJ domains. Call after `Py_PreInitialize` and before `Py_InitializeFromConfig`.
    static func install() {
        PyMem_GetAllocator(PYMEM_DOMAIN_MEM, &previousMem)
        PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &previousObj)
        var mem = PyMemAllocatorEx(ctx: &previousMem, malloc: hookMalloc, calloc: hookCalloc, realloc: hookRealloc, free: hookFree)
        var obj = PyMemAllocatorEx(ctx: &previousObj, malloc: hookMalloc, calloc: hookCalloc, realloc: hookRealloc, free: hookFree)
        PyMem_SetAllocator(PYMEM_DOMAIN_MEM, &mem)
        PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &obj)
    }

    /// Charges `bytes` to the current call; false when the budget refuses it.
    @inline(__always)
    static func charge(_ bytes: Int) -> Bool {
        guard let limits = ThreadLimitsKey.current(), limits.pointee.memoryActive else { return true }
        if bytes > 0 && limits.pointee.memoryUsed &+ bytes > limits.pointee.memoryLimit {
            limits.pointee.memoryExceeded = true
            return false
        }
        limits.pointee.memoryUsed &+= bytes
        return true
    }
}

private func previous(_ ctx: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<PyMemAllocatorEx> {
    ctx!.assumingMemoryBound(to: PyMemAllocatorEx.self)
}

private let hookMalloc: @convention(c) (UnsafeMutableRawPointer?, Int) -> UnsafeMutableRawPointer? = { ctx, size in
    guard MemoryHooks.charge(size) else { return nil }
    let prev = previous(ctx)
    guard let raw = prev.pointee.malloc(prev.pointee.ctx, size &+ MemoryHooks.headerBytes) else {
        _ = MemoryHooks.charge(-size)
        return nil
    }
    raw.storeBytes(of: size, as: Int.self)
    return raw + MemoryHooks.headerBytes
}

private let hookCalloc: @convention(c) (UnsafeMutableRawPointer?, Int, Int) -> UnsafeMutableRawPointer? = { ctx, count, elsize in
    let (total, overflow) = count.multipliedReportingOverflow(by: elsize)
    if overflow { return nil }
    guard MemoryHooks.charge(total) else { return nil }
    let prev = previous(ctx)
    guard let raw = prev.pointee.calloc(prev.pointee.ctx, 1, total &+ MemoryHooks.headerBytes) else {
        _ = MemoryHooks.charge(-total)
        return nil
    }
    raw.storeBytes(of: total, as: Int.self)
    return raw + MemoryHooks.headerBytes
}

private let hookRealloc: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int) -> UnsafeMutableRawPointer? = { ctx, ptr, size in
    guard let ptr else { return hookMalloc(ctx, size) }
    let raw = ptr - MemoryHooks.headerBytes
    let old = raw.load(as: Int.self)
    guard MemoryHooks.charge(size &- old) else { return nil }
    let prev = previous(ctx)
    guard let moved = prev.pointee.realloc(prev.pointee.ctx, raw, size &+ MemoryHooks.headerBytes) else {
        _ = MemoryHooks.charge(old &- size)
        return nil
    }
    moved.storeBytes(of: size, as: Int.self)
    return moved + MemoryHooks.headerBytes
}

private let hookFree: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Void = { ctx, ptr in
    guard let ptr else { return }
    let raw = ptr - MemoryHooks.headerBytes
    _ = MemoryHooks.charge(-raw.load(as: Int.self))
    let prev = previous(ctx)
    prev.pointee.free(prev.pointee.ctx, raw)
}
