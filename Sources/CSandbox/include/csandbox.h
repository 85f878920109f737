#ifndef TRADECTL_CSANDBOX_H
#define TRADECTL_CSANDBOX_H

// The kernel confinement of a `process`-level worker: how the host starts it (new PID, network,
// IPC and UTS namespaces) and what the worker applies to itself, on its only thread, before it
// starts Python (resource limits, no privileges, Landlock, seccomp). Every function returns what
// it applied and why a step failed; none skips a step silently.

#include <stddef.h>
#include <sys/types.h>

/// Namespaces `tcs_spawn` put the child in.
enum {
    TCS_NS_PID = 1 << 0,
    TCS_NS_NET = 1 << 1,
    TCS_NS_IPC = 1 << 2,
    TCS_NS_UTS = 1 << 3,
    /// A user namespace was needed (the host is not privileged): the child runs as the overflow uid.
    TCS_NS_USER = 1 << 4,
    /// A mount namespace, where the worker mounts a /proc of its own PID namespace.
    TCS_NS_MOUNT = 1 << 5,
};

/// The outcome of `tcs_spawn`.
typedef struct {
    /// The child's pid in the caller's PID namespace, or -1.
    pid_t pid;
    /// errno of the failure when pid is -1 (the fork's, or execve's in the child).
    int error;
    /// TCS_NS_* bits the child runs in.
    unsigned namespaces;
    /// errno of the namespaced clone that was refused before falling back (0 if none was).
    int namespace_error;
} tcs_spawn_result;

/// Starts `path` with `argv` and `envp` as the first process of new PID, network, IPC, UTS and mount
/// namespaces (adding a user namespace when the caller lacks the privilege; without either,
/// in none, reported in `namespaces`). The child gets `in_fd`, `out_fd` and `err_fd` as its
/// descriptors 0, 1 and 2 and no other descriptor, an empty signal mask, default signal actions,
/// and its own session. Returns once the child has executed `path` (or failed to).
/// Safe to call from a multithreaded process: the child makes only raw system calls before execve.
tcs_spawn_result tcs_spawn(const char *_Nonnull path, char *_Nullable const *_Nonnull argv,
                           char *_Nullable const *_Nonnull envp, int in_fd, int out_fd, int err_fd,
                           int use_namespaces);

/// pipe2(fds, O_CLOEXEC), plus O_NONBLOCK on the read end when `nonblocking_read`. 0 or -1 with errno.
int tcs_pipe(int fds[_Nonnull 2], int nonblocking_read);

/// What `tcs_harden` applies.
typedef struct {
    /// Directories and files the worker may read (and execute) below; it may write nothing.
    const char *_Nonnull const *_Nullable read_roots;
    int read_root_count;
    /// RLIMIT_AS and RLIMIT_CPU (seconds over the process's life); 0 leaves one unset.
    unsigned long long address_space_bytes;
    unsigned long long cpu_seconds;
    /// RLIMIT_NPROC once the uid is dropped (threads of that uid); 0 leaves it unset.
    unsigned long long max_threads;
    /// The uid and gid a process started as root drops to.
    unsigned uid;
    unsigned gid;
} tcs_policy;

/// Protections `tcs_harden` reports active.
enum {
    TCS_SINGLE_THREAD = 1 << 0,   // the process had one thread, so every later thread inherits the rest
    TCS_RLIMITS = 1 << 1,         // RLIMIT_FSIZE 0, RLIMIT_CORE 0, and the AS/CPU/NPROC limits asked for
    TCS_NO_PRIVILEGES = 1 << 2,   // no capability in any set, bounding set empty, not uid 0
    TCS_UID_DROPPED = 1 << 3,     // started as root, now policy.uid/gid with no supplementary groups
    TCS_NO_NEW_PRIVS = 1 << 4,
    TCS_LANDLOCK_FS = 1 << 5,     // reads only under read_roots, no writes anywhere
    TCS_LANDLOCK_NET = 1 << 6,    // no TCP bind or connect (Landlock ABI 4+)
    TCS_LANDLOCK_SCOPE = 1 << 7,  // no signals or abstract UNIX sockets out of the domain (ABI 6+)
    TCS_SECCOMP = 1 << 8,         // the system-call filter of `tcs_harden`
    TCS_PID_NAMESPACE = 1 << 9,   // the process is PID 1 of its PID namespace
    TCS_PRIVATE_PROC = 1 << 10,   // /proc shows that PID namespace only (mounted in its mount namespace)
};

/// What `tcs_harden` did.
typedef struct {
    unsigned active;
    int landlock_abi;
    int threads;
    /// The first step that failed (a TCS_* bit, 0 if none) and its errno.
    unsigned failed;
    int error;
    /// pid as this process sees itself (1 in a fresh PID namespace).
    int pid;
} tcs_report;

/// Confines the calling process for good, in this order: as PID 1 of a fresh PID and mount
/// namespace (see `tcs_spawn`), a /proc of its own mounted over the host's; resource limits, privileges (drop to
/// policy uid/gid when root; clear every capability), no_new_privs, Landlock (filesystem reads
/// under the roots only and no writes; TCP and scoping where the kernel has them), then a seccomp
/// filter on every thread that refuses with EPERM: execve/execveat, fork/vfork and clone of
/// processes (threads may still be made), socket/socketpair/connect of every family, kill,
/// tgkill and rt_sig*queueinfo aimed at any other process, tkill, ptrace, process_vm_readv/writev,
/// pidfd_open/pidfd_send_signal/pidfd_getfd, io_uring, namespaces and mounts, bpf,
/// perf_event_open, userfaultfd, keyrings, module loading, kexec and reboot. clone3 returns ENOSYS
/// (its flags cannot be inspected; libc falls back to clone).
/// Call it on the process's only thread. Returns 0 when every step it attempted succeeded, else
/// -errno of the first failure (see `report->failed`); later steps still run.
int tcs_harden(const tcs_policy *_Nonnull policy, tcs_report *_Nonnull report);

/// The Landlock ABI of this kernel (0 without Landlock).
int tcs_landlock_abi(void);

/// Applies only the seccomp filter of `tcs_harden` (for tests of the filter itself). 0 or -errno.
int tcs_seccomp_filter(int self_pid);

#endif
