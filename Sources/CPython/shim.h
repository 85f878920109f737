#ifndef TRADECTL_CPYTHON_SHIM_H
#define TRADECTL_CPYTHON_SHIM_H

// System headers first, with the compiler's default feature macros: pyconfig.h defines
// _XOPEN_SOURCE, under which glibc names fd_set's member `fds_bits` instead of `__fds_bits`, and
// Clang then refuses the two definitions of fd_set seen by this module and by Dispatch's.
#include <sys/select.h>
#include <signal.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <errno.h>
#include <unistd.h>
#include <linux/landlock.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/audit.h>
#include <sys/socket.h>
#include <stddef.h>
#ifndef O_PATH
#define O_PATH 010000000  /* Linux; fcntl.h hides it without _GNU_SOURCE, which must not be set before Python.h */
#endif

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

/// Unblocks `sig` on the calling thread. Threads created from a Dispatch worker inherit its mask,
/// which blocks signals, so the interpreter thread must unblock the timeout signal itself.
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

/// unshare(CLONE_NEWNET): a new, empty network namespace for this process (needs privileges).
static inline int tc_unshare_net(void) { return (int)syscall(SYS_unshare, 0x40000000); }

/// Landlock: from now on this process may only read (and execute) files under `paths`, and
/// write, create, remove or truncate nothing. Returns the Landlock ABI version applied, or -errno.
static inline int tc_landlock_read_only(const char *_Nonnull const *_Nonnull paths, int count) {
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1) return -errno;
    unsigned long long handled = (1ULL << 13) - 1;      /* ABI 1: execute … make_sym */
    if (abi >= 2) handled |= 1ULL << 13;                 /* refer */
    if (abi >= 3) handled |= 1ULL << 14;                 /* truncate */
    struct landlock_ruleset_attr attr = { .handled_access_fs = handled };
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
    if (ruleset < 0) return -errno;
    for (int i = 0; i < count; i++) {
        int fd = open(paths[i], O_PATH | O_CLOEXEC);
        if (fd < 0) continue;
        struct landlock_path_beneath_attr rule = {
            .allowed_access = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR,
            .parent_fd = fd,
        };
        syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
        close(fd);
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) { int e = errno; close(ruleset); return -e; }
    long rc = syscall(SYS_landlock_restrict_self, ruleset, 0);
    int e = errno;
    close(ruleset);
    return rc == 0 ? (int)abi : -e;
}

static inline int tc_limit_address_space(unsigned long long bytes) {
    struct rlimit r = { .rlim_cur = bytes, .rlim_max = bytes };
    return setrlimit(RLIMIT_AS, &r);
}

static inline int tc_limit_processes(unsigned long long n) {
    struct rlimit r = { .rlim_cur = n, .rlim_max = n };
    return setrlimit(RLIMIT_NPROC, &r);
}

/// seccomp: from now on socket(2) fails with EPERM in every thread of this process (TSYNC) and
/// its children: the fallback where no network namespace can be made. Returns 0, or -errno.
static inline int tc_seccomp_deny_sockets(void) {
#if defined(__x86_64__)
    const unsigned int arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
    const unsigned int arch = AUDIT_ARCH_AARCH64;
#else
    return -ENOSYS;
#endif
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),         /* another ABI: no */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 2, 0),      /* x32 numbers: refused */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
    };
    struct sock_fprog prog = { .len = (unsigned short)(sizeof(filter) / sizeof(filter[0])), .filter = filter };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -errno;
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0) return -errno;
    return 0;
}

/// Tries socket(AF_INET, SOCK_STREAM): 0 when it opened (and was closed), else errno.
static inline int tc_try_socket(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return errno;
    close(fd);
    return 0;
}

/// RLIMIT_CPU: SIGXCPU (which ends the process) after `seconds` of CPU, SIGKILL 5 s later.
static inline int tc_limit_cpu(unsigned long long seconds) {
    struct rlimit r = { .rlim_cur = seconds, .rlim_max = seconds + 5 };
    return setrlimit(RLIMIT_CPU, &r);
}

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
