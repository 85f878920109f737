# Run by StrategyHost.probeSandbox with the in-process sandbox OFF: every escape here must be
# stopped by the kernel confinement alone. The test prepends VICTIM (another process's pid, as the
# host sees it), and SECRET (a file outside the read roots).
import ctypes, json, os, signal, socket, subprocess

libc = ctypes.CDLL(None, use_errno=True)
results = {}


def attempt(name, fn):
    try:
        value = fn()
        results[name] = "allowed: %r" % (value,)
    except OSError as e:
        results[name] = e.errno


def raw_syscall(number, *args):
    r = libc.syscall(number, *[ctypes.c_long(a) for a in args])
    if r == -1:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return r


attempt("fork", os.fork)
attempt("subprocess", lambda: subprocess.run(["/bin/true"]).returncode)
attempt("execv", lambda: os.execv("/bin/true", ["true"]))
attempt("posix_spawn", lambda: os.posix_spawn("/bin/true", ["true"], {}))
attempt("socket_inet", lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM))
attempt("socket_unix", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
attempt("socket_netlink", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW))
attempt("socketpair", socket.socketpair)
attempt("kill_victim", lambda: os.kill(VICTIM, signal.SIGSTOP))
attempt("kill_group", lambda: os.kill(0, 0))
attempt("kill_all", lambda: os.kill(-1, 0))
attempt("pidfd_open", lambda: os.pidfd_open(1))
attempt("tkill", lambda: raw_syscall(200, 2, 0))                 # tkill(tid 2, 0)
attempt("ptrace", lambda: raw_syscall(101, 16, 1, 0, 0))         # PTRACE_ATTACH
attempt("process_vm_readv", lambda: raw_syscall(310, 1, 0, 0, 0, 0, 0))
attempt("io_uring_setup", lambda: raw_syscall(425, 1, 0))
attempt("unshare_user", lambda: raw_syscall(272, 0x10000000))
attempt("mount", lambda: raw_syscall(165, 0, 0, 0, 0, 0))
attempt("clone3", lambda: raw_syscall(435, 0, 0))
attempt("read_secret", lambda: open(SECRET).read())
attempt("write_tmp", lambda: open("/tmp/tradectl-probe-write", "w"))
attempt("setuid_root", lambda: os.setuid(0))
results["proc"] = sorted(os.listdir("/proc"), key=str)[:3] if os.path.isdir("/proc") else None
results["proc_pids"] = [p for p in os.listdir("/proc") if p.isdigit()]
results["uid"] = os.getuid()
import threading
done = []
t = threading.Thread(target=lambda: done.append(1))
t.start()
t.join()
results["thread"] = done == [1]
results["self_signal"] = signal.pthread_kill(threading.get_ident(), 0) is None
print(json.dumps(results))
