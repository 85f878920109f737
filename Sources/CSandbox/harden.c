#include "csandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int tcs_install_seccomp(int self_pid);  // seccomp.c
int tcs_apply_landlock(const char *const *roots, int count, int *abi, unsigned *active);  // landlock.c

/// Threads of this process, from /proc/self/status (0 when unknown).
static int thread_count(void) {
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    char *line = strstr(buf, "\nThreads:");
    return line ? atoi(line + 9) : 0;
}

static int set_limit(int resource, unsigned long long soft, unsigned long long hard) {
    struct rlimit r = { .rlim_cur = soft, .rlim_max = hard };
    return setrlimit(resource, &r) == 0 ? 0 : -errno;
}

static int limits(const tcs_policy *p) {
    signal(SIGXFSZ, SIG_IGN);  // a write past RLIMIT_FSIZE then fails with EFBIG instead of ending the worker
    int rc = set_limit(RLIMIT_FSIZE, 0, 0);
    if (rc == 0) rc = set_limit(RLIMIT_CORE, 0, 0);
    if (rc == 0 && p->address_space_bytes) rc = set_limit(RLIMIT_AS, p->address_space_bytes, p->address_space_bytes);
    if (rc == 0 && p->cpu_seconds) rc = set_limit(RLIMIT_CPU, p->cpu_seconds, p->cpu_seconds + 5);
    return rc;
}

/// Every capability set empty (effective, permitted, inheritable, ambient, bounding).
static int no_capabilities(void) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) != 0) return -errno;
    for (int i = 0; i < 2; i++) {
        if (data[i].effective || data[i].permitted || data[i].inheritable) return -EPERM;
    }
    for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
        int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
        if (in > 0) return -EPERM;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) > 0) return -EPERM;
    }
    return 0;
}

static int drop_privileges(const tcs_policy *p, unsigned *active) {
    // The bounding set first (that needs CAP_SETPCAP, which the steps below take away).
    for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
        if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) > 0 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) return -errno;
    }
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return -errno;
    if (geteuid() == 0 || getuid() == 0) {
        // Raw system calls: the process has one thread, and libc's all-threads broadcast is not wanted.
        if (syscall(SYS_setgroups, 0, NULL) != 0) return -errno;
        if (syscall(SYS_setresgid, p->gid, p->gid, p->gid) != 0) return -errno;
        if (syscall(SYS_setresuid, p->uid, p->uid, p->uid) != 0) return -errno;  // clears every capability
        uid_t r, e, s;
        if (getresuid(&r, &e, &s) != 0 || r != p->uid || e != p->uid || s != p->uid) return -EPERM;
        *active |= TCS_UID_DROPPED;
    } else {
        // Not root (e.g. root of a user namespace with no mapping): clear what this user holds.
        struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
        struct __user_cap_data_struct data[2];
        memset(data, 0, sizeof(data));
        if (syscall(SYS_capset, &header, data) != 0) return -errno;
    }
    int rc = no_capabilities();
    if (rc == 0) *active |= TCS_NO_PRIVILEGES;
    return rc;
}

/// In the worker's own mount namespace: a /proc of its PID namespace over the host's, so /proc
/// lists no other process (libdispatch reads /proc/<tid>/stat of its own threads). Only as PID 1:
/// a process started some other way shares the host's mounts and must not touch them.
static int private_proc(int pid) {
    if (pid != 1) return -ESRCH;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return -errno;
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) return -errno;
    return 0;
}

static void step(tcs_report *r, unsigned bit, int rc) {
    if (rc == 0) {
        r->active |= bit;
    } else if (r->failed == 0) {
        r->failed = bit;
        r->error = -rc;
    }
}

int tcs_harden(const tcs_policy *p, tcs_report *r) {
    memset(r, 0, sizeof(*r));
    r->pid = (int)syscall(SYS_getpid);
    if (r->pid == 1) r->active |= TCS_PID_NAMESPACE;
    step(r, TCS_PRIVATE_PROC, private_proc(r->pid));
    r->threads = thread_count();
    step(r, TCS_SINGLE_THREAD, r->threads == 1 ? 0 : -EBUSY);
    step(r, TCS_RLIMITS, limits(p));
    unsigned privileges = 0;
    int rc = drop_privileges(p, &privileges);
    r->active |= privileges;
    if (rc == 0 && (privileges & TCS_UID_DROPPED) && p->max_threads) rc = set_limit(RLIMIT_NPROC, p->max_threads, p->max_threads);
    if (rc != 0 && r->failed == 0) {
        r->failed = TCS_NO_PRIVILEGES;
        r->error = -rc;
    }
    step(r, TCS_NO_NEW_PRIVS, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 ? 0 : -errno);
    unsigned landlock = 0;
    rc = tcs_apply_landlock(p->read_roots, p->read_root_count, &r->landlock_abi, &landlock);
    r->active |= landlock;
    if (rc != 0 && r->failed == 0) {
        r->failed = TCS_LANDLOCK_FS;
        r->error = -rc;
    }
    step(r, TCS_SECCOMP, tcs_install_seccomp(r->pid));
    return r->failed ? -r->error : 0;
}

int tcs_seccomp_filter(int self_pid) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -errno;
    return tcs_install_seccomp(self_pid);
}
