import CPython
import Synchronization

/// A raw pointer to a Python object. Never `Sendable`: it may only be used on the thread that
/// holds the interpreter's GIL.
typealias PyPtr = UnsafeMutablePointer<PyObject>

/// An owned (strong) reference to a Python object, released when it goes out of scope.
///
/// Create and drop it only on the interpreter's thread, with the GIL held.
struct PyRef: ~Copyable {
    let ptr: PyPtr

    /// Takes ownership of a new reference.
    init(owning ptr: PyPtr) { self.ptr = ptr }

    /// Adds a reference to a borrowed pointer.
    init(borrowing ptr: PyPtr) {
        Py_IncRef(ptr)
        self.ptr = ptr
    }

    /// Gives up ownership without releasing, e.g. to let a tuple steal the reference.
    consuming func take() -> PyPtr {
        let p = ptr
        discard self
        return p
    }

    deinit { Py_DecRef(ptr) }
}

/// A Python object kept across calls, released on its interpreter's thread.
///
/// `@unchecked Sendable`: the pointer is only dereferenced by code running on the owning
/// interpreter's thread (every use goes through `InterpreterThread.perform`), and `deinit` hands
/// the decref to that thread instead of touching the object where it happens to run.
final class PyHandle: @unchecked Sendable {
    let pointer: PyPtr
    private let release: @Sendable (PyHandle.Pointer) -> Void
    private let dropped = Atomic<Bool>(false)

    /// A Sendable box around the raw pointer, for the release job.
    struct Pointer: @unchecked Sendable { let raw: PyPtr }  // @unchecked: handed to the owning thread only.

    init(owning pointer: PyPtr, release: @escaping @Sendable (PyHandle.Pointer) -> Void) {
        self.pointer = pointer
        self.release = release
    }

    /// Drops the reference now, on the owning interpreter's thread with the GIL held (before the
    /// interpreter ends); `deinit` then does nothing.
    func dropNow() {
        if !dropped.exchange(true, ordering: .acquiringAndReleasing) { Py_DecRef(pointer) }
    }

    deinit {
        if !dropped.load(ordering: .acquiring) { release(Pointer(raw: pointer)) }
    }
}
