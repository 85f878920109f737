#include "csandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

/// fork(2) with namespace flags. The child continues here on a copy of the stack; it must only
/// make raw system calls (libc's cached thread state is the parent thread's).
static pid_t clone_with(unsigned long flags) {
    return (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
}

/// In the child: sets up descriptors and signals, then execve. Never returns.
static void exec_child(const char *path, char *const *argv, char *const *envp, int in_fd, int out_fd, int err_fd,
                       int report_fd) {
    int fds[3] = { in_fd, out_fd, err_fd };
    // Move the three above every target first, so dup2 onto 0..2 never clobbers one still needed.
    for (int i = 0; i < 3; i++) {
        long moved = syscall(SYS_fcntl, fds[i], F_DUPFD_CLOEXEC, 16);
        if (moved < 0) goto fail;
        fds[i] = (int)moved;
    }
    for (int i = 0; i < 3; i++) {
        if (syscall(SYS_dup3, fds[i], i, 0) < 0) goto fail;  // dup3 clears close-on-exec on the copy
    }
    // Every other descriptor goes, except the report pipe (close-on-exec) until execve.
    if (report_fd > 3) syscall(SYS_close_range, 3, report_fd - 1, 0);
    if (syscall(SYS_close_range, report_fd + 1, ~0U, 0) < 0) {
        for (int fd = report_fd + 1; fd < 4096; fd++) syscall(SYS_close, fd);
    }
    // Signals: an empty mask (the parent thread may block some) and default actions.
    unsigned long long empty = 0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, NULL, sizeof(empty));
    for (int sig = 1; sig < 32; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        struct { void *handler; unsigned long flags; void *restorer; unsigned long long mask; } act = { SIG_DFL, 0, NULL, 0 };
        syscall(SYS_rt_sigaction, sig, &act, NULL, sizeof(unsigned long long));
    }
    syscall(SYS_setsid);
    syscall(SYS_execve, path, argv, envp);
fail:;
    int e = errno;
    syscall(SYS_write, report_fd, &e, sizeof(e));
    syscall(SYS_exit_group, 127);
    for (;;) {}
}

tcs_spawn_result tcs_spawn(const char *path, char *const *argv, char *const *envp, int in_fd, int out_fd, int err_fd,
                           int use_namespaces) {
    tcs_spawn_result r = { -1, 0, 0, 0 };
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
        r.error = errno;
        return r;
    }
    const unsigned long base = CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS;
    const unsigned long attempts[3] = { base, base | CLONE_NEWUSER, 0 };
    const unsigned all = TCS_NS_PID | TCS_NS_NET | TCS_NS_IPC | TCS_NS_UTS | TCS_NS_MOUNT;
    const unsigned masks[3] = { all, all | TCS_NS_USER, 0 };
    pid_t pid = -1;
    for (int i = use_namespaces ? 0 : 2; i < 3; i++) {
        pid = clone_with(attempts[i]);
        if (pid == 0) exec_child(path, argv, envp, in_fd, out_fd, err_fd, report[1]);
        if (pid > 0) {
            r.namespaces = masks[i];
            break;
        }
        if (i < 2 && r.namespace_error == 0) r.namespace_error = errno;
        if (errno != EPERM && errno != EINVAL && errno != ENOSPC && errno != EUSERS) break;
    }
    int saved = errno;
    close(report[1]);
    if (pid < 0) {
        close(report[0]);
        r.error = saved;
        return r;
    }
    // The report pipe closes on a successful execve; an errno arrives if it failed.
    int child_errno = 0;
    ssize_t n;
    do {
        n = read(report[0], &child_errno, sizeof(child_errno));
    } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == (ssize_t)sizeof(child_errno)) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        r.error = child_errno;
        return r;
    }
    r.pid = pid;
    return r;
}

int tcs_pipe(int fds[2], int nonblocking_read) {
    if (pipe2(fds, O_CLOEXEC) != 0) return -1;
    if (nonblocking_read && fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        errno = e;
        return -1;
    }
    return 0;
}
