#ifndef TRADECTL_CPYTHON_SHIM_H
#define TRADECTL_CPYTHON_SHIM_H

// System headers first, with the compiler's default feature macros: pyconfig.h defines
// _XOPEN_SOURCE, under which glibc names fd_set's member `fds_bits` instead of `__fds_bits`, and
// Clang then refuses the two definitions of fd_set seen by this module and by Dispatch's.
#include <sys/select.h>
#include <signal.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <errno.h>
#include <unistd.h>
#include <stddef.h>

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>
#include <signal.h>

// glibc declares this in <malloc.h>, whose module clashes with SwiftGlibc; the prototype is all we need.
extern size_t malloc_usable_size(void *_Nullable ptr);

// Py_None is a macro over a global; Swift cannot see it. Returns a new reference.
static inline PyObject *_Nonnull tc_none_new(void) { Py_INCREF(Py_None); return Py_None; }
// Py_None as a borrowed pointer, for identity checks.
static inline PyObject *_Nonnull tc_none(void) { return Py_None; }
// Py_True/Py_False are macros; returns a new reference.
static inline PyObject *_Nonnull tc_bool_new(int v) { PyObject *o = v ? Py_True : Py_False; Py_INCREF(o); return o; }

// The Py*_Check family are function-like macros.
static inline int tc_is_float(PyObject *_Nonnull o) { return PyFloat_Check(o); }
static inline int tc_is_long(PyObject *_Nonnull o) { return PyLong_Check(o); }
static inline int tc_is_bool(PyObject *_Nonnull o) { return PyBool_Check(o); }
static inline int tc_is_unicode(PyObject *_Nonnull o) { return PyUnicode_Check(o); }
static inline int tc_is_bytes(PyObject *_Nonnull o) { return PyBytes_Check(o); }
static inline int tc_is_dict(PyObject *_Nonnull o) { return PyDict_Check(o); }
static inline int tc_is_list(PyObject *_Nonnull o) { return PyList_Check(o); }
static inline int tc_is_tuple(PyObject *_Nonnull o) { return PyTuple_Check(o); }
static inline int tc_is_type(PyObject *_Nonnull o) { return PyType_Check(o); }
static inline int tc_is_exception_instance(PyObject *_Nonnull o) { return PyExceptionInstance_Check(o); }
static inline int tc_is_syntax_error(PyObject *_Nonnull o) { return PyObject_TypeCheck(o, (PyTypeObject *)PyExc_SyntaxError); }

// PyCFunction_Check and PyCFunction_GET_FUNCTION are macros: the C function of a builtin, else NULL.
static inline void *_Nullable tc_builtin_function(PyObject *_Nonnull o) {
    return PyCFunction_Check(o) ? (void *)PyCFunction_GET_FUNCTION(o) : NULL;
}

// PyTuple_GET_ITEM / PyList_GET_ITEM are macros; borrowed references, no bounds check.
static inline PyObject *_Nonnull tc_tuple_item(PyObject *_Nonnull t, Py_ssize_t i) { return PyTuple_GET_ITEM(t, i); }
static inline PyObject *_Nonnull tc_list_item(PyObject *_Nonnull l, Py_ssize_t i) { return PyList_GET_ITEM(l, i); }
// PyTuple_SET_ITEM is a macro; steals the reference to v.
static inline void tc_tuple_set(PyObject *_Nonnull t, Py_ssize_t i, PyObject *_Nonnull v) { PyTuple_SET_ITEM(t, i, v); }

// Exception type objects are exported as pointers-to-pointers Swift imports awkwardly as globals that may change.
static inline PyObject *_Nonnull tc_exc_memory_error(void) { return PyExc_MemoryError; }
static inline PyObject *_Nonnull tc_exc_permission_error(void) { return PyExc_PermissionError; }
static inline PyObject *_Nonnull tc_exc_runtime_error(void) { return PyExc_RuntimeError; }
static inline PyObject *_Nonnull tc_exc_import_error(void) { return PyExc_ImportError; }

// pthread_kill is in <signal.h>; Swift sees it but pthread_t differs by platform. Returns libc's value.
static inline int tc_signal_thread(pthread_t thread, int sig) { return pthread_kill(thread, sig); }

/// Swaps the attribute setter of `type` itself, so every class created afterwards inherits the new
/// one. Returns the previous setter.
static inline setattrofunc _Nullable tc_swap_type_setattro(setattrofunc _Nullable f) {
    setattrofunc old = PyType_Type.tp_setattro;
    PyType_Type.tp_setattro = f;
    return old;
}

/// The same for modules: every module's attribute setter is `PyModule_Type`'s.
static inline setattrofunc _Nullable tc_swap_module_setattro(setattrofunc _Nullable f) {
    setattrofunc old = PyModule_Type.tp_setattro;
    PyModule_Type.tp_setattro = f;
    return old;
}

/// Unblocks `sig` on the calling thread. Threads created from a Dispatch worker inherit its mask,
/// which blocks signals, so the interpreter thread must unblock the timeout signal itself.
static inline int tc_unblock_signal(int sig) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    return pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}


// NumPy's NEP 49 handler layout (numpy/ndarraytypes.h), declared here so the build needs no numpy headers.
typedef struct {
    void *_Nullable ctx;
    void *_Nullable (*_Nullable malloc)(void *_Nullable ctx, size_t size);
    void *_Nullable (*_Nullable calloc)(void *_Nullable ctx, size_t nelem, size_t elsize);
    void *_Nullable (*_Nullable realloc)(void *_Nullable ctx, void *_Nullable ptr, size_t new_size);
    void (*_Nullable free)(void *_Nullable ctx, void *_Nullable ptr, size_t size);
} tc_numpy_allocator;
typedef struct { char name[127]; uint8_t version; tc_numpy_allocator allocator; } tc_numpy_handler;
// Filling a fixed char array is awkward from Swift (it imports as a 127-tuple).
static inline void tc_numpy_handler_set_name(tc_numpy_handler *_Nonnull h, const char *_Nonnull name) {
    strncpy(h->name, name, sizeof(h->name) - 1); h->name[sizeof(h->name) - 1] = 0;
}
// Calls an entry of numpy's C-API table, which is an array of untyped function pointers.
static inline PyObject *_Nullable tc_numpy_set_handler(void *_Nonnull const *_Nonnull api, int index, PyObject *_Nonnull handler) {
    return ((PyObject *(*)(PyObject *))api[index])(handler);
}
static inline unsigned int tc_numpy_feature_version(void *_Nonnull const *_Nonnull api, int index) {
    return ((unsigned int (*)(void))api[index])();
}

#endif
