import CPython

/// NumPy's NEP 49 data-memory handler, so array data counts against the same per-call budget as
/// Python objects (array buffers bypass PyMem).
enum NumpyMemoryHandler {
    static let name = "tradectl_budget"
    /// Indices in numpy's `_ARRAY_API` table (stable since numpy 1.22, see `__multiarray_api.h`).
    private static let featureVersionIndex: Int32 = 211
    private static let setHandlerIndex: Int32 = 304
    private static let minimumFeatureVersion: UInt32 = 0x0f

    /// Installs the handler in the calling thread's context. Requires numpy to be imported.
    ///
    /// - Returns: nil on success, or why the handler could not be installed.
    static func install(_ py: PythonContext) -> String? {
        let apiCapsule: PyRef
        do {
            let multiarray = try py.check(PyImport_ImportModule("numpy.core.multiarray"))
            apiCapsule = try py.attribute(multiarray.ptr, "_ARRAY_API")
        } catch {
            return "numpy C API not found: \(error.message)"
        }
        guard let api = PyCapsule_GetPointer(apiCapsule.ptr, nil) else {
            PyErr_Clear()
            return "numpy _ARRAY_API capsule unreadable"
        }
        let table = api.assumingMemoryBound(to: UnsafeMutableRawPointer.self)
        let version = tc_numpy_feature_version(table, featureVersionIndex)
        guard version >= minimumFeatureVersion else { return "numpy C API feature version \(version) predates NEP 49" }

        let handler = UnsafeMutablePointer<tc_numpy_handler>.allocate(capacity: 1)  // lives for the process
        handler.initialize(to: tc_numpy_handler())
        tc_numpy_handler_set_name(handler, name)
        handler.pointee.version = 1
        handler.pointee.allocator = tc_numpy_allocator(ctx: nil, malloc: npMalloc, calloc: npCalloc, realloc: npRealloc, free: npFree)
        // The capsule keeps the name pointer, so it must outlive it: a leaked copy, made once.
        guard let capsule = PyCapsule_New(handler, strdup("mem_handler"), nil) else { PyErr_Clear(); return "capsule failed" }
        let capsuleRef = PyRef(owning: capsule)
        guard let old = tc_numpy_set_handler(table, setHandlerIndex, capsuleRef.ptr) else {
            let failure = py.fetchFailure()
            return "PyDataMem_SetHandler failed: \(failure.message)"
        }
        Py_DecRef(old)
        return nil
    }
}

private let npMalloc: @convention(c) (UnsafeMutableRawPointer?, Int) -> UnsafeMutableRawPointer? = { _, size in
    guard MemoryHooks.charge(size) else { return nil }
    guard let p = malloc(size) else { _ = MemoryHooks.charge(-size); return nil }
    return p
}

private let npCalloc: @convention(c) (UnsafeMutableRawPointer?, Int, Int) -> UnsafeMutableRawPointer? = { _, count, elsize in
    let (total, overflow) = count.multipliedReportingOverflow(by: elsize)
    if overflow { return nil }
    guard MemoryHooks.charge(total) else { return nil }
    guard let p = calloc(count, elsize) else { _ = MemoryHooks.charge(-total); return nil }
    return p
}

private let npRealloc: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int) -> UnsafeMutableRawPointer? = { _, ptr, size in
    let old = ptr.map { malloc_usable_size($0) } ?? 0
    guard MemoryHooks.charge(size - old) else { return nil }
    guard let p = realloc(ptr, size) else { _ = MemoryHooks.charge(old - size); return nil }
    return p
}

private let npFree: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int) -> Void = { _, ptr, size in
    guard let ptr else { return }
    _ = MemoryHooks.charge(-size)
    free(ptr)
}
